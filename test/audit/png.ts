/**
 * A minimal PNG reader for the rendering test: the IHDR header and, for 8-bit
 * non-interlaced greyscale / RGB / RGBA images (what Chromium writes), the pixels,
 * inflated with node:zlib and unfiltered. No dependencies.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

export interface PngImage extends PngHeader {
  /** Samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
  channels: number;
  /** Unfiltered pixel rows, `width * channels` bytes each, no filter bytes. */
  pixels: Buffer;
}

function chunks(buf: Buffer): Array<{ type: string; data: Buffer }> {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file (bad signature)');
  const out: Array<{ type: string; data: Buffer }> = [];
  let off = 8;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > buf.length) throw new Error(`truncated PNG chunk ${type}`);
    out.push({ type, data: buf.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  return out;
}

export function pngHeader(buf: Buffer): PngHeader {
  const ihdr = chunks(buf)[0];
  if (ihdr?.type !== 'IHDR') throw new Error('PNG does not start with IHDR');
  const d = ihdr.data;
  return { width: d.readUInt32BE(0), height: d.readUInt32BE(4), bitDepth: d[8]!, colorType: d[9]!, interlace: d[12]! };
}

export function decodePng(buf: Buffer): PngImage {
  const all = chunks(buf);
  const h = pngHeader(buf);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[h.colorType];
  if (h.bitDepth !== 8 || channels === undefined || h.interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${h.bitDepth}, colour type ${h.colorType}, interlace ${h.interlace}`);
  }
  const raw = inflateSync(Buffer.concat(all.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = h.width * channels;
  if (raw.length < h.height * (stride + 1)) throw new Error('PNG image data is shorter than its header says');
  const px = Buffer.alloc(h.height * stride);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    const up = (x: number) => (y > 0 ? px[prev + x]! : 0);
    switch (filter) {
      case 0:
        raw.copy(px, dst, src, src + stride);
        break;
      case 1:
        for (let x = 0; x < stride; x++) px[dst + x] = (raw[src + x]! + (x >= channels ? px[dst + x - channels]! : 0)) & 0xff;
        break;
      case 2:
        for (let x = 0; x < stride; x++) px[dst + x] = (raw[src + x]! + up(x)) & 0xff;
        break;
      case 3:
        for (let x = 0; x < stride; x++) px[dst + x] = (raw[src + x]! + (((x >= channels ? px[dst + x - channels]! : 0) + up(x)) >> 1)) & 0xff;
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= channels ? px[dst + x - channels]! : 0;
          const b = up(x);
          const c = x >= channels && y > 0 ? px[prev + x - channels]! : 0;
          const p = a + b - c,
            pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          px[dst + x] = (raw[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        throw new Error(`bad PNG filter type ${filter} on row ${y}`);
    }
  }
  return { ...h, channels, pixels: px };
}

/** RGB of the pixel at (x, y). */
export function rgbAt(img: PngImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * img.channels;
  if (img.channels < 3) return [img.pixels[i]!, img.pixels[i]!, img.pixels[i]!];
  return [img.pixels[i]!, img.pixels[i + 1]!, img.pixels[i + 2]!];
}
