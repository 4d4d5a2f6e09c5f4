// tracklayer viewer: CesiumJS (global `Cesium`, served from /cesium/) showing a run's
// CZML, its summary, a track list and layer toggles. Fully offline: no ion token, no
// network; imagery is the NaturalEarthII tile set shipped inside the cesium package.
//
// URL parameters: `run=<id>` picks a run; `live=1` follows the live simulation;
// `test=1` is the end-to-end test mode (no atmosphere, sky box, sun, moon, fog or
// anti-aliasing; drawing buffer kept for screenshots).

/* global Cesium */

const params = new URLSearchParams(window.location.search);
const TEST = params.get('test') === '1';

// The layers of tl_viz::czml::LAYERS (parent packets in the CZML).
const LAYERS = [
  ['layer/satellites', 'Satellites'],
  ['layer/footprints', 'Footprints'],
  ['layer/los', 'Lines of sight'],
  ['layer/truth', 'Truth'],
  ['layer/tracks', 'Tracks'],
  ['layer/engagements', 'Engagements'],
];

const $ = (id) => document.getElementById(id);

function setStatus(text) {
  $('status').textContent = text;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function getJson(url) {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

function makeViewer() {
  // No ion: an empty token makes any accidental ion request fail loudly instead of
  // using Cesium's evaluation token.
  Cesium.Ion.defaultAccessToken = '';
  const imagery = Cesium.TileMapServiceImageryProvider.fromUrl(
    Cesium.buildModuleUrl('Assets/Textures/NaturalEarthII'),
  );
  const viewer = new Cesium.Viewer('globe', {
    baseLayer: Cesium.ImageryLayer.fromProviderAsync(imagery),
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    baseLayerPicker: false,
    geocoder: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    fullscreenButton: false,
    homeButton: true,
    infoBox: false,
    selectionIndicator: true,
    animation: true,
    timeline: true,
    skyBox: TEST ? false : undefined,
    skyAtmosphere: TEST ? false : undefined,
    msaaSamples: TEST ? 1 : 4,
    contextOptions: { webgl: { antialias: !TEST, preserveDrawingBuffer: TEST } },
  });
  const scene = viewer.scene;
  if (TEST) {
    scene.globe.showGroundAtmosphere = false;
    scene.fog.enabled = false;
    if (scene.sun) scene.sun.show = false;
    if (scene.moon) scene.moon.show = false;
    scene.postProcessStages.fxaa.enabled = false;
    scene.globe.enableLighting = false;
  }
  scene.globe.depthTestAgainstTerrain = false;
  return viewer;
}

function layerToggles(tl) {
  const box = $('layers');
  box.innerHTML = '';
  for (const [id, name] of LAYERS) {
    const label = document.createElement('label');
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.checked = true;
    cb.dataset.layer = id;
    cb.addEventListener('change', () => tl.setLayer(id, cb.checked));
    label.append(cb, ' ', name);
    box.append(label);
  }
}

function fmt(v) {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(3) : String(Number(v.toFixed(3)));
  }
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function kvTable(entries) {
  const rows = entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="n">${escapeHtml(fmt(v))}</td></tr>`);
  return `<table class="kv">${rows.join('')}</table>`;
}

// The run's summary: headline figures, then per launch whatever the stages reported
// (first detection, first track, fire-control quality, impact-point error, engagement
// outcome...), then per-stage figures.
function showSummary(s) {
  const head = [];
  for (const k of ['scenario', 'seed', 'epoch_utc', 'duration_s', 'step_s', 'satellites']) {
    if (k in s) head.push([k, s[k]]);
  }
  let html = kvTable(head);
  for (const l of s.launches || []) {
    html += `<h3>launch ${escapeHtml(l.id)} (${escapeHtml(l.missile)}, t = ${escapeHtml(fmt(l.time_s))} s)</h3>`;
    const figs = Object.entries(l.figures || {});
    html += figs.length ? kvTable(figs) : '<div class="note">no figures yet</div>';
  }
  for (const [stage, figs] of Object.entries(s.stages || {})) {
    const e = Object.entries(figs);
    if (e.length) html += `<h3>${escapeHtml(stage)}</h3>${kvTable(e)}`;
  }
  $('summary').innerHTML = html;
}

function trackList(tl, ds) {
  const ul = $('tracks');
  ul.innerHTML = '';
  const tracks = ds.entities.values.filter((e) => /^track\/\d+$/.test(e.id));
  tracks.sort((a, b) => Number(a.id.split('/')[1]) - Number(b.id.split('/')[1]));
  if (!tracks.length) {
    ul.innerHTML = '<li>no tracks in this run</li>';
    return;
  }
  for (const e of tracks) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.textContent = e.name || e.id;
    b.addEventListener('click', () => tl.flyToEntity(e.id));
    li.append(b);
    ul.append(li);
  }
}

function makeApi(viewer) {
  const tl = {
    viewer,
    dataSource: null,
    loaded: false,
    error: null,
    setLayer(id, show) {
      const e = tl.dataSource && tl.dataSource.entities.getById(id);
      if (e) e.show = show;
    },
    // Fly to an entity, first moving the clock into its availability if needed.
    async flyToEntity(id) {
      const e = tl.dataSource && tl.dataSource.entities.getById(id);
      if (!e) return false;
      const clock = viewer.clock;
      if (e.availability && !e.isAvailable(clock.currentTime)) {
        clock.currentTime = e.availability.start.clone();
      }
      viewer.selectedEntity = e;
      return viewer.flyTo(e, { duration: TEST ? 0 : 1.5, offset: new Cesium.HeadingPitchRange(0, -0.8, 3.0e6) });
    },
  };
  window.tl = tl;
  return tl;
}

async function loadRun(tl, id) {
  const viewer = tl.viewer;
  tl.loaded = false;
  setStatus(`loading run ${id}…`);
  viewer.dataSources.removeAll();
  const [summary, ds] = await Promise.all([
    getJson(`/api/runs/${encodeURIComponent(id)}/summary`).catch(() => null),
    Cesium.CzmlDataSource.load(`/api/runs/${encodeURIComponent(id)}/czml`),
  ]);
  await viewer.dataSources.add(ds);
  tl.dataSource = ds;
  viewer.clock.shouldAnimate = !TEST;
  if (summary) showSummary(summary);
  trackList(tl, ds);
  const link = $('report-link');
  link.href = `/api/runs/${encodeURIComponent(id)}/report`;
  link.hidden = false;
  for (const cb of document.querySelectorAll('#layers input')) tl.setLayer(cb.dataset.layer, cb.checked);
  setStatus(`${ds.name || id}: ${ds.entities.values.length} entities`);
  tl.loaded = true;
}

// Live playback: packets arrive as server-sent events and are merged into one data
// source; the clock follows the newest simulated time.
function followLive(tl, info) {
  const viewer = tl.viewer;
  const ds = new Cesium.CzmlDataSource(info.name || 'live');
  viewer.dataSources.add(ds);
  tl.dataSource = ds;
  $('report-link').hidden = true;
  let latest = null;
  const es = new EventSource('/api/live/stream');
  es.addEventListener('czml', (ev) => {
    // {"t_s": newest simulated time, "packets": [CZML packets]}
    const msg = JSON.parse(ev.data);
    ds.process(msg.packets);
    if (typeof msg.t_s === 'number') latest = msg.t_s;
    const stop = ds.clock && ds.clock.startTime;
    if (latest !== null && stop) {
      // Show one step behind the newest sample so interpolation has data on both sides.
      const t = Cesium.JulianDate.addSeconds(stop, Math.max(0, latest - (info.lag_s || 0)), new Cesium.JulianDate());
      viewer.clock.currentTime = t;
      viewer.clock.shouldAnimate = false;
    }
    trackList(tl, ds);
    setStatus(`live: ${info.name} t = ${latest === null ? '–' : latest.toFixed(0)} s`);
    tl.loaded = true;
  });
  es.addEventListener('end', (ev) => {
    setStatus(`live: ${info.name} finished (${ev.data})`);
    es.close();
  });
  es.addEventListener('reset', () => {
    es.close();
    setStatus('live: fell behind; reload the page');
  });
}

async function main() {
  const viewer = makeViewer();
  const tl = makeApi(viewer);
  layerToggles(tl);
  try {
    const list = await getJson('/api/runs');
    const sel = $('run-select');
    for (const r of list.runs) {
      const o = document.createElement('option');
      o.value = r.id;
      o.textContent = r.name === r.id ? r.id : `${r.name} (${r.id})`;
      sel.append(o);
    }
    if (list.live && (params.get('live') === '1' || !list.runs.length)) {
      const info = await getJson('/api/live');
      const o = document.createElement('option');
      o.value = '';
      o.textContent = `live: ${info.name}`;
      sel.prepend(o);
      sel.value = '';
      followLive(tl, info);
    } else if (list.runs.length) {
      const want = params.get('run');
      const id = list.runs.some((r) => r.id === want) ? want : list.runs[0].id;
      sel.value = id;
      await loadRun(tl, id);
    } else {
      setStatus('no runs: start with `tracklayer serve RUN_DIR`');
    }
    sel.addEventListener('change', () => {
      if (sel.value) {
        const u = new URL(window.location.href);
        u.searchParams.set('run', sel.value);
        u.searchParams.delete('live');
        window.history.replaceState(null, '', u);
        loadRun(tl, sel.value).catch(fail);
      }
    });
  } catch (e) {
    fail(e);
  }
}

function fail(e) {
  if (window.tl) window.tl.error = String(e);
  setStatus(`error: ${e}`);
  console.error(e);
}

main();
