/**
 * Just enough PNG for the Teams app icons, with node:zlib only: write an 8-bit RGBA image, and
 * read a PNG's size, colour type and (for 8-bit RGBA) its pixels, to check the icons before
 * packaging. Teams wants a 192×192 colour icon and a 32×32 outline icon that is white on a
 * transparent background.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
/** Colour type 6: red, green, blue and alpha, 8 bits each. */
export const RGBA = 6;

export type Rgba = readonly [number, number, number, number];

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = RGBA;
  const stride = width * 4 + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * stride + 1 + x * 4);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export interface PngInfo {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  /** A tRNS chunk gives palette or grey/RGB images transparency. */
  readonly hasTransparencyChunk: boolean;
  /** Decoded pixels, for 8-bit RGBA images only (4 bytes per pixel, row by row). */
  readonly rgba?: Buffer;
}

export class PngError extends Error {
  readonly code = 'PNG_INVALID';
}

export function readPng(data: Buffer): PngInfo {
  if (data.length < 8 || !data.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG file');
  let offset = 8;
  let header: Buffer | undefined;
  let hasTransparencyChunk = false;
  const idat: Buffer[] = [];
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (body.length !== length) throw new PngError(`truncated ${type} chunk`);
    if (type === 'IHDR') header = body;
    else if (type === 'tRNS') hasTransparencyChunk = true;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (!header || header.length < 13) throw new PngError('no IHDR chunk');
  const info = { width: header.readUInt32BE(0), height: header.readUInt32BE(4), bitDepth: header[8]!, colorType: header[9]!, hasTransparencyChunk };
  if (info.colorType !== RGBA || info.bitDepth !== 8 || header[12] !== 0) return info;
  return { ...info, rgba: unfilter(inflateSync(Buffer.concat(idat)), info.width, info.height) };
}

/** Undoes the per-row PNG filters (none, sub, up, average, Paeth) of an 8-bit RGBA image. */
function unfilter(raw: Buffer, width: number, height: number): Buffer {
  const bpp = 4;
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) throw new PngError('image data shorter than its size says');
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new PngError(`unknown row filter ${filter}`);
      out[y * stride + i] = (row[i]! + predictor) & 0xff;
    }
  }
  return out;
}
