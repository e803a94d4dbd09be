// PSNR of filter chains on the detail frame against v360's area-averaged view.
import { spawnSync } from 'node:child_process';
import { areaReferenceArgs, DETAIL_VIEW, detailFrameArgs, psnr, viewOfFrame } from '../dist/bench/decode-view.js';
const ff = (a) => { const r = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', '-nostdin', ...a], { maxBuffer: 256 << 20 }); if (r.status) throw new Error(r.stderr.toString()); return r.stdout; };
const fmt = process.argv[2] ?? 'yuv444p';
const src = `/tmp/detail-${fmt}.mp4`;
ff(detailFrameArgs(3840, 1920, fmt, fmt === 'yuv444p' ? 0 : 18, src));
const ref = new Uint8Array(ff(areaReferenceArgs(src, DETAIL_VIEW)));
const chains = {
  zscale: 'zscale=w=1280:h=640:f=bilinear,scale=flags=bilinear,format=rgb24',
  fastbil: 'scale=1280:640:flags=fast_bilinear,format=rgb24',
  'fb2+z': 'scale=1920:960:flags=fast_bilinear,zscale=w=1280:h=640:f=bilinear,scale=flags=bilinear,format=rgb24',
  'fb2+area': 'scale=1920:960:flags=fast_bilinear,scale=1280:640:flags=area,format=rgb24',
  'fb2+bil': 'scale=1920:960:flags=fast_bilinear,scale=1280:640:flags=bilinear,format=rgb24',
  'fb2+fb': 'scale=1920:960:flags=fast_bilinear,scale=1280:640:flags=fast_bilinear,format=rgb24',
  'fb3': 'scale=1280:640:flags=fast_bilinear,format=rgb24',
  'bil2+z': 'scale=1920:960:flags=bilinear,zscale=w=1280:h=640:f=bilinear,scale=flags=bilinear,format=rgb24',
};
for (const [name, vf] of Object.entries(chains)) {
  const out = new Uint8Array(ff(['-i', src, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']));
  console.log(name.padEnd(10), psnr(viewOfFrame(DETAIL_VIEW, out, 1280, 640), ref).toFixed(2), 'dB');
}
