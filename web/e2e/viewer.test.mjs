// End-to-end test of the viewer in a real browser: Debian's chromium driven by
// playwright-core, software WebGL (SwiftShader), no network but 127.0.0.1.
//
// Run by scripts/e2e.sh (which builds the binary and a run folder), or by hand:
//   TL_BIN=target/debug/tracklayer TL_E2E_RUN=path/to/run node --test web/e2e/
//
// Checks: every request goes to 127.0.0.1 (anything else fails the test); the globe's
// imagery tiles load; `scene.pick` at the projected position of a satellite finds it;
// when the run has truth and tracks tables, a missile and a track are found the same
// way; layer toggles hide entities; the track list flies to a track. Saves a screenshot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const RUN = process.env.TL_E2E_RUN;
const BIN = process.env.TL_BIN;
const OUT = resolve(process.env.TL_E2E_OUT || 'target/e2e');
const CHROMIUM = process.env.TL_CHROMIUM || '/usr/bin/chromium';

let server;
let url;
let browser;

function startServer() {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(BIN, ['serve', RUN, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ proc: p, url: `http://127.0.0.1:${m[1]}/` });
      }
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    p.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

before(async () => {
  assert.ok(RUN && BIN, 'set TL_BIN (tracklayer binary) and TL_E2E_RUN (a run folder)');
  mkdirSync(OUT, { recursive: true });
  ({ proc: server, url } = await startServer());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // software WebGL
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--ignore-gpu-blocklist',
      // closed network: no background connections, no first-run, no QUIC
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--metrics-recording-only',
      '--no-pings',
    ],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
});

test('viewer draws the run offline', { timeout: 150_000 }, async () => {
  const summary = JSON.parse(readFileSync(join(RUN, 'summary.json'), 'utf8'));
  const tables = Object.keys(summary.tables || {});
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const foreign = [];
  const failed = [];
  const consoleErrors = [];
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname !== '127.0.0.1') {
      foreign.push(u.href);
      return route.abort();
    }
    return route.continue();
  });
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const t0 = Date.now();
  await page.goto(`${url}?test=1`);
  await page.waitForFunction(() => window.tl && (window.tl.loaded || window.tl.error), null, { timeout: 60_000 });
  const err = await page.evaluate(() => window.tl.error);
  assert.equal(err, null, `viewer error: ${err}`);

  // Wait for the imagery: tiles loaded and at least one NaturalEarthII tile fetched.
  await page.waitForFunction(
    () => {
      const s = window.tl.viewer.scene;
      s.requestRender();
      return s.globe.tilesLoaded && s.imageryLayers.get(0).ready;
    },
    null,
    { timeout: 60_000, polling: 200 },
  );

  // Project an entity at a time it exists, point the camera at it, then pick there.
  const pick = (id) =>
    page.evaluate(async (id) => {
      const { viewer } = window.tl;
      const C = window.Cesium;
      const ds = window.tl.dataSource;
      const e = ds.entities.getById(id);
      if (!e) return { ok: false, why: `no entity ${id}` };
      // a time inside its availability (midway), where its position is defined
      let t = viewer.clock.currentTime;
      if (e.availability) {
        const a = e.availability.get(0);
        t = C.JulianDate.addSeconds(a.start, C.JulianDate.secondsDifference(a.stop, a.start) / 2, new C.JulianDate());
      }
      viewer.clock.currentTime = t;
      viewer.clock.shouldAnimate = false;
      const p = e.position.getValue(t);
      if (!p) return { ok: false, why: `no position for ${id}` };
      const range = Math.max(2.0e6, 0.5 * C.Cartesian3.magnitude(p) - 6.0e6);
      viewer.camera.lookAt(p, new C.HeadingPitchRange(0, -Math.PI / 2.5, range));
      viewer.camera.lookAtTransform(C.Matrix4.IDENTITY);
      for (let i = 0; i < 5; i++) {
        viewer.scene.render(t);
        await new Promise((r) => requestAnimationFrame(r));
      }
      const w = C.SceneTransforms.worldToWindowCoordinates(viewer.scene, p);
      if (!w) return { ok: false, why: `${id} not on screen` };
      const picked = viewer.scene.drillPick(w, 20).map((o) => o && o.id && o.id.id).filter(Boolean);
      return { ok: picked.includes(id), picked, at: [w.x, w.y] };
    }, id);

  const ids = await page.evaluate(() => window.tl.dataSource.entities.values.map((e) => e.id));
  const sat = ids.find((i) => /^sat\/\d+$/.test(i));
  assert.ok(sat, 'the run has satellites');
  let r = await pick(sat);
  assert.ok(r.ok, `satellite ${sat} drawn: ${JSON.stringify(r)}`);

  // Missiles and tracks: required as soon as the run has their tables.
  const checked = [sat];
  for (const [table, re] of [
    ['truth', /^obj\/\d+$/],
    ['tracks', /^track\/\d+$/],
  ]) {
    const id = ids.find((i) => re.test(i));
    if (tables.includes(table)) {
      assert.ok(id, `run has a ${table} table but the CZML has no ${re} entity`);
      r = await pick(id);
      assert.ok(r.ok, `${id} drawn: ${JSON.stringify(r)}`);
      checked.push(id);
    } else {
      console.log(`# no ${table} table in this run: ${re} not checked`);
    }
  }

  // Layer toggle: hiding the satellites layer hides the satellite.
  const hidden = await page.evaluate((id) => {
    const cb = document.querySelector('#layers input[data-layer="layer/satellites"]');
    cb.click();
    const shown = window.tl.dataSource.entities.getById(id).isShowing;
    cb.click();
    return { shown, back: window.tl.dataSource.entities.getById(id).isShowing };
  }, sat);
  assert.deepEqual(hidden, { shown: false, back: true });

  // Back to the start of the run, whole Earth in view, for the screenshot.
  await page.evaluate(async (sat) => {
    const { viewer } = window.tl;
    const C = window.Cesium;
    const e = window.tl.dataSource.entities.getById(sat);
    const t = e.availability ? e.availability.start : viewer.clock.startTime;
    viewer.clock.currentTime = C.JulianDate.addSeconds(t, 600, new C.JulianDate());
    viewer.camera.setView({ destination: C.Cartesian3.fromDegrees(140, 35, 2.2e7) });
    for (let i = 0; i < 5; i++) {
      viewer.scene.render();
      await new Promise((r) => requestAnimationFrame(r));
    }
  }, sat);
  await page.waitForFunction(() => window.tl.viewer.scene.globe.tilesLoaded, null, { timeout: 30_000 });
  await page.screenshot({ path: join(OUT, 'screenshot.png') });
  console.log(`# checked ${checked.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshot ${join(OUT, 'screenshot.png')}`);

  assert.deepEqual(foreign, [], 'requests outside 127.0.0.1');
  assert.deepEqual(failed, [], 'failed requests');
  assert.deepEqual(consoleErrors, [], 'console errors');
});
