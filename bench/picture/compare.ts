/**
 * Picture comparison by ffmpeg's own `psnr` and `ssim` filters on two PNGs, both converted to
 * planar RGB (gbrp) first, so the figures are over R, G and B (not luma): PSNR is the "average:"
 * of the three planes' PSNR in dB, SSIM the "All:" figure (the planes' mean; ffmpeg's ssim uses
 * 8×8 windows stepped by 4).
 */
import sharp from 'sharp';
import { ffmpeg } from './scenes.js';

export interface Quality {
  psnr: number;
  ssim: number;
}

export async function writePng(rgb: Uint8Array, width: number, height: number, path: string): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

/** Writes a copy of the PNG `from` scaled to `width` pixels across (Lanczos), 256 colours dithered, for docs. */
export async function writeThumbnail(from: string, width: number, path: string): Promise<void> {
  await sharp(from).resize({ width, kernel: 'lanczos3' }).png({ compressionLevel: 9, palette: true, colours: 256 }).toFile(path);
}

export async function compare(picture: string, reference: string): Promise<Quality> {
  const log = await ffmpeg([
    '-loglevel', 'info', '-i', picture, '-i', reference, '-filter_complex',
    '[0:v]format=gbrp,split[a1][a2];[1:v]format=gbrp,split[b1][b2];[a1][b1]psnr[p];[a2][b2]ssim[s]',
    '-map', '[p]', '-map', '[s]', '-f', 'null', '-',
  ]);
  const psnr = /PSNR .*?average:(inf|[\d.]+)/.exec(log);
  const ssim = /SSIM .*?All:([\d.]+)/.exec(log);
  if (!psnr || !ssim) throw new Error(`picture bench: no PSNR/SSIM in ffmpeg's output for ${picture}`);
  return { psnr: psnr[1] === 'inf' ? Infinity : Number(psnr[1]), ssim: Number(ssim[1]) };
}
