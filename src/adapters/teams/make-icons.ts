/**
 * Draws the Teams app icons into manifest/teams/ (`npm run teams:icons`): a 192×192 colour icon
 * (a white speech bubble with a check mark on the accent colour) and the 32×32 outline icon Teams
 * shows in its app bar (the same shape, white on transparent). The PNGs are committed; run this
 * again only to change the design.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodePng, type Rgba } from './png';

export const ACCENT = [0x44, 0x64, 0xee] as const;
export const MANIFEST_DIR = path.join(__dirname, '..', '..', '..', 'manifest', 'teams');

type Shape = (u: number, v: number) => boolean;

function roundedRect(x0: number, y0: number, x1: number, y1: number, r: number): Shape {
  return (u, v) => {
    if (u < x0 || u > x1 || v < y0 || v > y1) return false;
    const cx = Math.min(Math.max(u, x0 + r), x1 - r);
    const cy = Math.min(Math.max(v, y0 + r), y1 - r);
    return (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
  };
}

function triangle(a: [number, number], b: [number, number], c: [number, number]): Shape {
  const side = (p: [number, number], q: [number, number], u: number, v: number) => (q[0] - p[0]) * (v - p[1]) - (q[1] - p[1]) * (u - p[0]);
  return (u, v) => {
    const s1 = side(a, b, u, v);
    const s2 = side(b, c, u, v);
    const s3 = side(c, a, u, v);
    return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  };
}

function polyline(points: [number, number][], halfWidth: number): Shape {
  return (u, v) =>
    points.slice(1).some((q, i) => {
      const p = points[i]!;
      const dx = q[0] - p[0];
      const dy = q[1] - p[1];
      const t = Math.min(1, Math.max(0, ((u - p[0]) * dx + (v - p[1]) * dy) / (dx * dx + dy * dy)));
      return (u - p[0] - t * dx) ** 2 + (v - p[1] - t * dy) ** 2 <= halfWidth * halfWidth;
    });
}

const bubble = roundedRect(0.16, 0.2, 0.84, 0.68, 0.12);
const tail = triangle([0.3, 0.6], [0.5, 0.6], [0.26, 0.84]);
const CHECK: [number, number][] = [
  [0.35, 0.45],
  [0.45, 0.55],
  [0.65, 0.34],
];

/** Renders a shape function with 4×4 supersampling, so edges are smooth. */
function render(size: number, colour: (u: number, v: number) => Rgba | undefined, background: Rgba): Buffer {
  const n = 4;
  return encodePng(size, size, (x, y) => {
    const sum = [0, 0, 0, 0];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const c = colour((x + (i + 0.5) / n) / size, (y + (j + 0.5) / n) / size) ?? background;
        // Premultiplied, so transparent samples do not darken the edge.
        sum[0]! += c[0] * c[3];
        sum[1]! += c[1] * c[3];
        sum[2]! += c[2] * c[3];
        sum[3]! += c[3];
      }
    const alpha = sum[3]! / (n * n);
    if (alpha === 0) return [0, 0, 0, 0];
    return [Math.round(sum[0]! / sum[3]!), Math.round(sum[1]! / sum[3]!), Math.round(sum[2]! / sum[3]!), Math.round(alpha)];
  });
}

export function colourIcon(): Buffer {
  const white: Rgba = [255, 255, 255, 255];
  const accent: Rgba = [...ACCENT, 255];
  const check = polyline(CHECK, 0.045);
  return render(192, (u, v) => (check(u, v) ? accent : bubble(u, v) || tail(u, v) ? white : undefined), accent);
}

export function outlineIcon(): Buffer {
  const white: Rgba = [255, 255, 255, 255];
  const inner = roundedRect(0.16 + 0.09, 0.2 + 0.09, 0.84 - 0.09, 0.68 - 0.09, 0.05);
  const check = polyline(CHECK, 0.05);
  return render(32, (u, v) => ((bubble(u, v) && !inner(u, v)) || (tail(u, v) && !inner(u, v)) || check(u, v) ? white : undefined), [0, 0, 0, 0]);
}

if (require.main === module) {
  writeFileSync(path.join(MANIFEST_DIR, 'color.png'), colourIcon());
  writeFileSync(path.join(MANIFEST_DIR, 'outline.png'), outlineIcon());
  console.log(`icons written to ${MANIFEST_DIR}`);
}
