/**
 * The NVDEC path's command line (ffmpeg-source.ts): frames shrink on the GPU (scale_cuda) in steps
 * a bilinear kernel can average, and one eye of a stereo file is cut after the shrink. CI has no
 * GPU, so the eye test runs the same filter chain with each GPU filter replaced by its CPU twin
 * (scale_cuda's bilinear by swscale's, hwdownload dropped): what is checked is the arithmetic of
 * sizes and offsets, which is the same on both. bench `gpu` runs the real thing where a GPU is.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { psnr } from '../bench/decode-view.js';
import { buildDecodeArgs, type DecodeArgs } from '../src/source/ffmpeg-source.js';
import { cudaResizeOf, findFfmpeg, protocolsFor, resolveHwaccel, type FfmpegTools } from '../src/source/ffmpeg-tools.js';
import { tempDir } from './helpers/media.js';
import { EQUIRECT_FORMAT } from '../src/projection/layouts/index.js';
import { sampleCellsYuv, yuvTableOf } from '../src/projection/sample-yuv.js';
import { FrameAssembler } from '../src/source/frame-assembler.js';
import { FrameRing } from '../src/source/frame-ring.js';

const tmp = tempDir('ascii360-gpu-');
afterAll(() => tmp.cleanup());

function gpuArgs(decoded: { width: number; height: number }, width: number, height: number, crop: DecodeArgs['crop'] = null, input = 'in.mp4'): string[] {
  return buildDecodeArgs({
    input, width, height, fps: 30, hwaccel: 'cuda', fpsModeFlag: '-fps_mode', resizer: 'scale_cuda', realtime: false, loop: false, position: 0,
    protocols: protocolsFor(input), decoded, crop,
  });
}

function filtersOf(args: string[]): string[] {
  return args[args.indexOf('-vf') + 1]!.split(',');
}

/** The scale_cuda steps' output sizes, in order. */
function steps(args: string[]): { width: number; height: number }[] {
  return filtersOf(args).filter((f) => f.startsWith('scale_cuda=')).map((f) => ({ width: Number(/w=(\d+)/.exec(f)![1]), height: Number(/h=(\d+)/.exec(f)![1]) }));
}

describe('decoding on the GPU', () => {
  it('keeps frames on the GPU and shrinks them in steps of at most 2x, ending at the working size', () => {
    for (const [decoded, width, height] of [
      [{ width: 3840, height: 1920 }, 1280, 640],
      [{ width: 4096, height: 2048 }, 1280, 640],
      [{ width: 7680, height: 3840 }, 1024, 512],
      [{ width: 3840, height: 1920 }, 3840, 1920],
      [{ width: 5760, height: 2880 }, 1536, 768],
    ] as const) {
      const args = gpuArgs(decoded, width, height);
      expect(args.slice(args.indexOf('-hwaccel'), args.indexOf('-hwaccel') + 4)).toEqual(['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda']);
      const sizes = steps(args);
      expect(sizes.at(-1)).toEqual({ width, height });
      let from: { width: number; height: number } = decoded;
      for (const to of sizes) {
        expect(from.width / to.width).toBeLessThanOrEqual(2);
        expect(from.height / to.height).toBeLessThanOrEqual(2);
        // 4:2:0 between steps: even sizes only.
        expect(to.width % 2 + to.height % 2).toBe(0);
        from = to;
      }
      // Back to memory only once, at the working size, then converted to RGB there.
      const filters = filtersOf(args);
      expect(filters.indexOf('hwdownload')).toBe(sizes.length);
      expect(filters.at(-1)).toBe('format=rgb24');
    }
  });

  it('comes back in 4:4:4 when the working size is odd, which 4:2:0 cannot hold', () => {
    const filters = filtersOf(gpuArgs({ width: 2000, height: 1002 }, 1000, 501));
    expect(filters.filter((f) => f.startsWith('scale_cuda=')).at(-1)).toMatch(/format=yuv444p$/);
    expect(filters[filters.indexOf('hwdownload') + 1]).toBe('format=yuv444p');
  });

  it('in software, a frame wanted at its own size is only converted, and still comes out the size asked for', async () => {
    const tools = await findFfmpeg();
    const src = join(tmp.dir, 'own-size.mp4');
    const made = spawnSync(tools.ffmpeg, ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=512x256:rate=1', '-frames:v', '1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', src]);
    expect(made.status, made.stderr.toString()).toBe(0);
    const decode = (width: number, decoded: { width: number; height: number }): { filters: string[]; frame: Buffer } => {
      const args = buildDecodeArgs({ input: src, width, height: width / 2, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer: tools.resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded, crop: null });
      const r = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 16 << 20 });
      expect(r.status, r.stderr.toString()).toBe(0);
      return { filters: filtersOf(args), frame: r.stdout };
    };
    const resizers = (filters: string[]): string[] => filters.filter((f) => /^(zscale|scale=\d+:\d+:flags=area)/.test(f));
    const own = decode(512, { width: 512, height: 256 });
    expect(resizers(own.filters)).toEqual([]);
    expect(own.frame.length).toBe(512 * 256 * 3);
    expect(resizers(decode(256, { width: 512, height: 256 }).filters)).toHaveLength(1);
    // Frames not the size probed (a stream that changed): still the size the ring's slots are.
    const changed = decode(1024, { width: 1024, height: 512 });
    expect(resizers(changed.filters)).toEqual([]);
    expect(changed.frame.length).toBe(1024 * 512 * 3);
  });

  it('hands 4:2:0 frames over as the decoder has them: no conversion on either path, the planes at the working size', async () => {
    // GPU: the download is the frame; a stereo eye is cut from it.
    const yuvGpu = (crop: DecodeArgs['crop']): string[] => buildDecodeArgs({
      input: 'in.mp4', width: 1280, height: 640, fps: 30, hwaccel: 'cuda', fpsModeFlag: '-fps_mode', resizer: 'scale_cuda', realtime: false, loop: false, position: 0,
      protocols: 'file', decoded: { width: 3840, height: 3840 }, crop, pixels: 'yuv420p',
    });
    const whole = yuvGpu(null);
    expect(filtersOf(whole).slice(-2)).toEqual(['hwdownload', 'format=yuv420p']);
    expect(whole[whole.indexOf('-pix_fmt') + 1]).toBe('yuv420p');
    const eye = filtersOf(yuvGpu({ x: 0, y: 1920, width: 3840, height: 1920 }));
    expect(eye.slice(-3)).toEqual(['hwdownload', 'format=yuv420p', 'crop=1280:640:0:640']);
    expect(eye.some((f) => f.includes('rgb24'))).toBe(false);
    // An odd-width side-by-side file: its whole frame shrunk is odd, so it comes back in 4:4:4 and
    // is subsampled after the crop, never through RGB24 (whose conversion back would be BT.601).
    const odd = filtersOf(buildDecodeArgs({
      input: 'in.mp4', width: 500, height: 500, fps: 30, hwaccel: 'cuda', fpsModeFlag: '-fps_mode', resizer: 'scale_cuda', realtime: false, loop: false, position: 0,
      protocols: 'file', decoded: { width: 2001, height: 1000 }, crop: { x: 0, y: 0, width: 1000, height: 1000 }, pixels: 'yuv420p',
    }));
    expect(odd.slice(-4)).toEqual(['hwdownload', 'format=yuv444p', 'crop=500:500:0:0', 'format=yuv420p']);
    expect(odd.some((f) => f.includes('rgb24'))).toBe(false);

    // CPU: the resizer's output as it is, the same picture as the RGB path's once converted.
    const tools = await findFfmpeg();
    const src = join(tmp.dir, 'planes.mp4');
    const made = spawnSync(tools.ffmpeg, ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1024x512:rate=1', '-frames:v', '1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', src]);
    expect(made.status, made.stderr.toString()).toBe(0);
    for (const width of [512, 1024]) {
      const height = width / 2;
      const run = (pixels: 'rgb24' | 'yuv420p'): { filters: string[]; frame: Uint8Array } => {
        const args = buildDecodeArgs({ input: src, width, height, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer: tools.resizer, realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded: { width: 1024, height: 512 }, crop: null, pixels });
        const r = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 16 << 20 });
        expect(r.status, r.stderr.toString()).toBe(0);
        return { filters: filtersOf(args), frame: new Uint8Array(r.stdout) };
      };
      const planes = run('yuv420p');
      expect(planes.filters.some((f) => f.includes('rgb24'))).toBe(false);
      expect(planes.frame.length).toBe(width * height * 1.5);
      const ring = new FrameRing(width, height, EQUIRECT_FORMAT, { kind: 'yuv420p', matrix: 'bt601', range: 'limited' }, 1);
      ring.acquire();
      ring.release(0);
      new FrameAssembler(ring, () => {}).consume(planes.frame);
      const every = { cols: width, rows: height, taps: 1, offsets: Int32Array.from({ length: width * height }, (_, i) => i * 3), srcWidth: width, srcHeight: height, readsBlack: false };
      const converted = new Uint8Array(width * height * 3);
      sampleCellsYuv(yuvTableOf(every, { kind: 'yuv420p', matrix: 'bt601', range: 'limited' }, ring.layout), ring.slots[0]!, converted);
      // testsrc2's sharp colour edges: ffmpeg interpolates chroma there, a sample takes its own.
      expect(psnr(converted, run('rgb24').frame), `${width}`).toBeGreaterThan(28);
    }
  });

  it('refuses scale_cuda without NVDEC frames to scale', () => {
    const args = { input: 'x', width: 2, height: 2, fps: 1, fpsModeFlag: '-fps_mode', realtime: false, loop: false, position: 0, protocols: 'file', decoded: { width: 4, height: 4 }, crop: null } as const;
    expect(() => buildDecodeArgs({ ...args, hwaccel: 'none', resizer: 'scale_cuda' })).toThrow(/hwaccel must be cuda/);
    expect(() => buildDecodeArgs({ ...args, hwaccel: 'auto', resizer: 'scale_cuda' })).toThrow(/hwaccel must be cuda/);
  });

  it.each([
    ['top-bottom, right eye (the lower half)', { width: 1024, height: 1024 }, { x: 0, y: 512, width: 1024, height: 512 }, 512, 256],
    ['side by side, right eye', { width: 2048, height: 512 }, { x: 1024, y: 0, width: 1024, height: 512 }, 256, 128],
    ['side by side, left eye, a shrink that does not divide evenly', { width: 2000, height: 500 }, { x: 0, y: 0, width: 1000, height: 500 }, 768, 384],
  ] as const)('cuts %s after the shrink: the same picture the CPU path cuts before it', async (_name, decoded, crop, width, height) => {
    const tools: FfmpegTools = await findFfmpeg();
    // The wanted eye is testsrc2, the rest of the frame one flat colour.
    const src = join(tmp.dir, `eyes-${decoded.width}x${decoded.height}-${crop.x}-${crop.y}.mp4`);
    const made = spawnSync(tools.ffmpeg, ['-hide_banner', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0x2060a0:size=${decoded.width}x${decoded.height}:rate=1`,
      '-f', 'lavfi', '-i', `testsrc2=size=${crop.width}x${crop.height}:rate=1`,
      '-filter_complex', `[0][1]overlay=${crop.x}:${crop.y}[o]`, '-map', '[o]', '-frames:v', '1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', src]);
    expect(made.status, made.stderr.toString()).toBe(0);

    const cpu = buildDecodeArgs({ input: src, width, height, fps: 1, hwaccel: 'none', fpsModeFlag: tools.fpsModeFlag, resizer: 'scale', realtime: false, loop: false, position: 0, protocols: protocolsFor(src), decoded, crop });
    const gpu = gpuArgs(decoded, width, height, crop, src)
      .filter((a, i, all) => !['-hwaccel', '-hwaccel_output_format'].includes(a) && !['-hwaccel', '-hwaccel_output_format'].includes(all[i - 1]!))
      .map((a) => (a.includes('scale_cuda=') ? cpuTwin(a) : a));
    const frame = (args: string[]): Uint8Array => {
      const r = spawnSync(tools.ffmpeg, [...args.slice(0, -1), '-frames:v', '1', 'pipe:1'], { maxBuffer: 64 << 20 });
      expect(r.status, r.stderr.toString()).toBe(0);
      return new Uint8Array(r.stdout);
    };
    const a = frame(cpu);
    const b = frame(gpu);
    expect(b.length).toBe(width * height * 3);
    expect(psnr(a, b)).toBeGreaterThan(25);
    // The other eye's picture is the flat colour: were the cut off by a frame, most would be it.
    let flat = 0;
    for (let i = 0; i < b.length; i += 3) if (Math.abs(b[i]! - 0x20) < 12 && Math.abs(b[i + 1]! - 0x60) < 12 && Math.abs(b[i + 2]! - 0xa0) < 12) flat++;
    expect(flat / (width * height)).toBeLessThan(0.2);
  }, 30_000);

  it('`auto` becomes cuda only with an NVIDIA driver and a build that can shrink on the GPU', () => {
    const both = { hwaccels: ['vdpau', 'cuda', 'vaapi'], cudaResize: true };
    expect(resolveHwaccel('auto', both, true)).toBe('cuda');
    expect(resolveHwaccel('auto', both, false)).toBe('auto');
    expect(resolveHwaccel('auto', { ...both, cudaResize: false }, true)).toBe('auto');
    expect(resolveHwaccel('auto', { ...both, hwaccels: ['vaapi'] }, true)).toBe('auto');
    expect(resolveHwaccel('none', both, true)).toBe('none');
    expect(resolveHwaccel('vaapi', both, true)).toBe('vaapi');
  });

  it('reads scale_cuda and hwdownload from the filter listing', () => {
    const listing = ' ... hwdownload        V->V       Download a hardware frame to a normal frame\n ... scale_cuda        V->V       GPU accelerated video resizer\n';
    expect(cudaResizeOf(listing)).toBe(true);
    expect(cudaResizeOf(listing.split('\n')[1]!)).toBe(false);
    expect(cudaResizeOf(' ... scale_cuda_x      V->V       x\n ... hwdownload        V->V       y\n')).toBe(false);
  });
});

/** scale_cuda=w=W:h=H:interp_algo=bilinear:format=F → swscale's bilinear to the same size and format. */
function cpuTwin(chain: string): string {
  return chain
    .split(',')
    .filter((f) => f !== 'hwdownload')
    .map((f) => {
      const m = /^scale_cuda=w=(\d+):h=(\d+):interp_algo=bilinear:format=(\w+)$/.exec(f);
      return m ? `scale=${m[1]}:${m[2]}:flags=bilinear,format=${m[3]}` : f;
    })
    .join(',');
}
