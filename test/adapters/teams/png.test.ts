/** The small PNG writer and reader used for the app icons. */
import { deflateSync } from 'node:zlib';
import { encodePng, readPng, RGBA } from '../../../src/adapters/teams/png';

it('reads back what it writes', () => {
  const png = encodePng(3, 2, (x, y) => [x * 10, y * 20, 30, x === 0 ? 0 : 255]);
  const info = readPng(png);
  expect([info.width, info.height, info.bitDepth, info.colorType]).toEqual([3, 2, 8, RGBA]);
  expect([...info.rgba!]).toEqual([0, 0, 30, 0, 10, 0, 30, 255, 20, 0, 30, 255, 0, 20, 30, 0, 10, 20, 30, 255, 20, 20, 30, 255]);
});

it('undoes the sub, up, average and Paeth row filters', () => {
  // A 2×4 image whose rows use filters 1–4; expected pixels worked out by hand from the PNG spec.
  const rows = [
    [1, 10, 20, 30, 40, 5, 5, 5, 5], // sub: second pixel = first + 5
    [2, 1, 1, 1, 1, 1, 1, 1, 1], // up: each byte = above + 1
    [3, 2, 2, 2, 2, 2, 2, 2, 2], // average of left and above, + 2
    [4, 0, 0, 0, 0, 0, 0, 0, 0], // Paeth predictor, + 0
  ];
  const base = encodePng(2, 4, () => [0, 0, 0, 0]);
  const idatStart = base.indexOf('IDAT') - 4;
  const before = base.subarray(0, idatStart);
  const after = base.subarray(base.indexOf('IEND') - 4);
  const data = deflateSync(Buffer.from(rows.flat()));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  // The reader does not check CRCs, so a zero CRC keeps the test short.
  const png = Buffer.concat([before, len, Buffer.from('IDAT'), data, Buffer.alloc(4), after]);
  const px = [...readPng(png).rgba!];
  expect(px.slice(0, 8)).toEqual([10, 20, 30, 40, 15, 25, 35, 45]);
  expect(px.slice(8, 16)).toEqual([11, 21, 31, 41, 16, 26, 36, 46]);
  // Average: first pixel (0 + above) >> 1 + 2; second ((left + above) >> 1) + 2.
  expect(px.slice(16, 24)).toEqual([7, 12, 17, 22, 13, 21, 28, 36]);
  // Paeth of the first pixel picks above; of the second, the nearest of left/above/upper-left.
  expect(px.slice(24, 28)).toEqual([7, 12, 17, 22]);
});

it('refuses what is not a PNG', () => {
  expect(() => readPng(Buffer.from('not a png at all'))).toThrow('not a PNG file');
});
