// Dev-time converter (not run by the build): Natural Earth 1:110m land polygons, from the
// npm package world-atlas@2.0.2 (TopoJSON), to crates/viz/assets/land-110m.txt.
//
//   mkdir /tmp/wa && cd /tmp/wa && npm install world-atlas@2.0.2 topojson-client@3.1.0
//   node /path/to/crates/viz/tools/world_outline.mjs /tmp/wa > crates/viz/assets/land-110m.txt
//
// Output: one ring per line, "lon lat" pairs in tenths of a degree separated by ';'.
// Consecutive points that round to the same tenth are dropped.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const dir = process.argv[2];
const require = createRequire(join(dir, 'node_modules', 'x.js'));
const { feature } = require('topojson-client');
const topo = JSON.parse(readFileSync(join(dir, 'node_modules/world-atlas/land-110m.json'), 'utf8'));
const land = feature(topo, topo.objects.land);
const out = ['# Natural Earth 1:110m land (public domain), via world-atlas 2.0.2; tenths of a degree: lon lat;...'];
const geoms = land.type === 'FeatureCollection' ? land.features.map((f) => f.geometry) : [land.geometry];
for (const g of geoms) {
  const polys = g.type === 'MultiPolygon' ? g.coordinates : [g.coordinates];
  for (const poly of polys) {
    for (const ring of poly) {
      const pts = [];
      let last = '';
      for (const [lon, lat] of ring) {
        const p = `${Math.round(lon * 10)} ${Math.round(lat * 10)}`;
        if (p !== last) pts.push(p);
        last = p;
      }
      if (pts.length >= 3) out.push(pts.join(';'));
    }
  }
}
process.stdout.write(out.join('\n') + '\n');
