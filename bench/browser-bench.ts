/**
 * Render time per frame of the browser client, for bench/run.ts.
 *
 * Headless Chromium (WebGL2 through SwiftShader, a CPU implementation, where there is no GPU) loads
 * a bench page from a loopback server that serves the client's built modules (dist/, as the real
 * server does under /app/). The page draws synthetic frames in which every cell changes (the worst
 * case, like a pan) through:
 * - webgl2: the client's fast path (cells texture + glyph atlas, one draw);
 * - 2d: the client's Canvas 2D fallback (changed cells composed in an ImageData);
 * for ramp cells (§3.1), half-block pixels (§3.3) and mosaic fitted cells (§3.6, the browser's
 * default style: glyphs drawn from their outlines, a foreground and a background per cell), and
 * - naive: the baseline for ramp cells, one fillStyle + fillText per cell per frame, written only in this page.
 * One frame's time is the draw plus a one-pixel read-back that waits until the canvas holds the
 * result (readPixels / getImageData), so queued GPU or raster work is counted. Frames are drawn one
 * per animation frame, as the client does.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { appFile } from '../src/transport/static-files.js';
import { fmt, median, percentile } from './stats.js';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Chromium flags: headless on any machine, WebGL2 through SwiftShader when there is no GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--force-color-profile=srgb',
];

export type BenchRenderer = 'webgl2' | '2d' | 'naive';
/** What the frames are: ramp cells, half-block pixels, mosaic fitted cells. */
export type BenchFrames = 'cells' | 'pixels' | 'fitted';

export interface BrowserBenchOptions {
  /** Frames timed per case, after WARMUP_FRAMES. */
  frames?: number;
  sizes?: [number, number][];
}

export interface BrowserBenchCase {
  renderer: BenchRenderer;
  cols: number;
  rows: number;
  frames: BenchFrames;
  /** Draw until the canvas holds the frame (the draw plus a one-pixel read-back). */
  medianMs: number;
  p95Ms: number;
  /** The draw call alone: what the page's own thread spends (a GPU works on in parallel). */
  mainMedianMs: number;
  mainP95Ms: number;
}

const WARMUP_FRAMES = 10;
/** Distinct synthetic frames cycled through. */
const SYNTHETIC_FRAMES = 8;

const PAGE = `<!doctype html><meta charset="utf-8"><title>ascii360 browser bench</title><link rel="icon" href="data:,">
<body style="margin:0;background:#000"><div id="host"></div>
<script type="module">
import { buildCellFont, FONT_FAMILY, DEFAULT_FONT_PX } from '/app/src/client/browser/cell-font.js';
import { createRenderer } from '/app/src/client/browser/create-renderer.js';
import { CELL_STYLES, LUMA_TO_RAMP, luma601 } from '/app/protocol/index.js';
const MOSAIC_GLYPHS = [...CELL_STYLES.mosaic.glyphs.keys()].filter((g) => CELL_STYLES.mosaic.glyphs[g] !== 0);

// Frames in which every cell changes from one to the next.
function frames(cols, rows, kind) {
  const out = [];
  for (let f = 0; f < ${SYNTHETIC_FRAMES}; f++) {
    if (kind === 'fitted') {
      const cells = new Uint8Array(cols * rows * 7);
      for (let i = 0, o = 0; i < cols * rows; i++, o += 7) {
        const x = i % cols, y = (i / cols) | 0;
        cells[o] = MOSAIC_GLYPHS[(x + y * 7 + f * 11) % MOSAIC_GLYPHS.length]; // every mosaic glyph
        cells[o + 1] = (x * 3 + f * 29) & 255; cells[o + 2] = (y * 5 + f * 13) & 255; cells[o + 3] = ((x + y) * 2 + f * 41) & 255;
        cells[o + 4] = (y * 3 + f * 17) & 255; cells[o + 5] = (x * 2 + f * 7) & 255; cells[o + 6] = ((x - y) * 3 + f * 23) & 255;
      }
      out.push(cells);
      continue;
    }
    if (kind === 'pixels') {
      const px = new Uint8Array(cols * rows * 2 * 3);
      for (let i = 0, o = 0; i < cols * rows * 2; i++, o += 3) {
        const x = i % cols, y = (i / cols) | 0;
        px[o] = (x * 3 + f * 29) & 255; px[o + 1] = (y * 5 + f * 13) & 255; px[o + 2] = ((x + y) * 2 + f * 41) & 255;
      }
      out.push(px);
      continue;
    }
    const cells = new Uint8Array(cols * rows * 4);
    for (let i = 0, o = 0; i < cols * rows; i++, o += 4) {
      const x = i % cols, y = (i / cols) | 0;
      const r = (x * 3 + f * 29) & 255, g = (y * 5 + f * 13) & 255, b = ((x + y) * 2 + f * 41) & 255;
      cells[o] = LUMA_TO_RAMP[luma601(r, g, b)]; cells[o + 1] = r; cells[o + 2] = g; cells[o + 3] = b;
    }
    out.push(cells);
  }
  return out;
}

// The baseline: what a canvas client without an atlas does, one fillText per cell.
function naiveRenderer(canvas, font) {
  const ctx = canvas.getContext('2d', { alpha: false });
  const css = font.fontPx * font.dpr + 'px ' + FONT_FAMILY;
  return {
    drawCells(cells, cols, rows) {
      if (canvas.width !== cols * font.width || canvas.height !== rows * font.height) {
        canvas.width = cols * font.width; canvas.height = rows * font.height;
      }
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.font = css;
      ctx.textBaseline = 'top';
      for (let y = 0, o = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++, o += 4) {
          ctx.fillStyle = 'rgb(' + cells[o + 1] + ',' + cells[o + 2] + ',' + cells[o + 3] + ')';
          ctx.fillText(String.fromCharCode(cells[o]), x * font.width, y * font.height);
        }
      }
    },
    sync() { ctx.getImageData(0, 0, 1, 1); },
    dispose() {},
  };
}

window.runCase = async (kind, cols, rows, frameKind, timed, warmup) => {
  const host = document.getElementById('host');
  host.textContent = '';
  const canvas = document.createElement('canvas');
  host.append(canvas);
  const font = buildCellFont(DEFAULT_FONT_PX, 1);
  const renderer = kind === 'naive' ? naiveRenderer(canvas, font) : createRenderer(canvas, font, kind);
  if (kind !== 'naive' && renderer.kind !== kind) throw new Error('asked for ' + kind + ', got ' + renderer.kind);
  const data = frames(cols, rows, frameKind);
  const total = [], main = [];
  for (let i = 0; i < warmup + timed; i++) {
    await new Promise((r) => requestAnimationFrame(r));
    const frame = data[i % data.length];
    const t0 = performance.now();
    if (frameKind === 'pixels') renderer.drawPixels(frame, cols, rows * 2);
    else if (frameKind === 'fitted') renderer.drawFitted(frame, cols, rows, 'mosaic');
    else renderer.drawCells(frame, cols, rows);
    const t1 = performance.now();
    renderer.sync();
    const t2 = performance.now();
    if (i >= warmup) { main.push(t1 - t0); total.push(t2 - t0); }
  }
  renderer.dispose();
  return { total, main };
};
window.glInfo = () => {
  const c = document.createElement('canvas').getContext('webgl2');
  if (!c) return 'no WebGL2';
  const info = c.getExtension('WEBGL_debug_renderer_info');
  return String(c.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : c.RENDERER));
};
window.benchReady = true;
</script>`;

/** A loopback server for a bench page: `page` at /, the client's built modules under /app/ as the real server serves them. */
export function servePage(page: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = path === '/' ? { type: 'text/html; charset=utf-8', body: Buffer.from(page) } : path.startsWith('/app/') ? appFile(path) : null;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(file.body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Runs every case; throws if the page fails. */
export async function measureBrowserRender(opts: BrowserBenchOptions = {}): Promise<{ cases: BrowserBenchCase[]; browser: string; gl: string }> {
  const frames = opts.frames ?? 60;
  const sizes = opts.sizes ?? [[120, 40], [200, 80]];
  const server = await servePage(PAGE);
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1700, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: 15_000 });
    // The page's functions are called by name: this file is compiled without the DOM types.
    await page.waitForFunction('window.benchReady === true', undefined, { timeout: 15_000 });
    const gl = String(await page.evaluate('window.glInfo()'));
    const cases: BrowserBenchCase[] = [];
    const run = async (renderer: BenchRenderer, cols: number, rows: number, kind: BenchFrames): Promise<void> => {
      const args = JSON.stringify([renderer, cols, rows, kind, frames, WARMUP_FRAMES]);
      const t = (await page.evaluate(`window.runCase(...${args})`)) as { total: number[]; main: number[] };
      if (errors.length > 0) throw new Error(`bench page: ${errors.join('; ')}`);
      cases.push({
        renderer, cols, rows, frames: kind,
        medianMs: median(t.total), p95Ms: percentile(t.total, 95),
        mainMedianMs: median(t.main), mainP95Ms: percentile(t.main, 95),
      });
    };
    for (const [cols, rows] of sizes) {
      for (const renderer of ['webgl2', '2d', 'naive'] as const) await run(renderer, cols, rows, 'cells');
    }
    const [bc, br] = sizes[sizes.length - 1]!;
    for (const kind of ['pixels', 'fitted'] as const) {
      for (const renderer of ['webgl2', '2d'] as const) await run(renderer, bc, br, kind);
    }
    return { cases, browser: browser.version(), gl };
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Printable lines for bench/run.ts. */
export async function benchBrowser(opts: BrowserBenchOptions = {}): Promise<string[]> {
  if (!existsSync(CHROMIUM_PATH)) return [`Browser render time: skipped, no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`];
  const { cases, browser, gl } = await measureBrowserRender(opts);
  const names: Record<BenchRenderer, string> = { webgl2: 'webgl2', '2d': '2d', naive: 'naive fillText (baseline)' };
  const lines = [
    `Browser render time per frame, every cell changing every frame: headless Chromium ${browser}, WebGL2 on ${gl}`,
    `  ${'grid'.padEnd(16)}${'renderer'.padEnd(28)}${'to pixels ms median / p95'.padEnd(28)}main thread ms median / p95`,
  ];
  for (const c of cases) {
    const grid = `${c.cols}×${c.rows}${c.frames === 'pixels' ? ' half' : c.frames === 'fitted' ? ' mosaic' : ''}`;
    lines.push(`  ${grid.padEnd(16)}${names[c.renderer].padEnd(28)}${`${fmt(c.medianMs)} / ${fmt(c.p95Ms)}`.padEnd(28)}${fmt(c.mainMedianMs)} / ${fmt(c.mainP95Ms)}`);
  }
  const naive = cases.find((c) => c.renderer === 'naive' && c.cols === 200 && c.frames === 'cells');
  for (const kind of ['webgl2', '2d'] as const) {
    const c = cases.find((x) => x.renderer === kind && x.cols === 200 && x.rows === 80 && x.frames === 'cells');
    if (c && naive) lines.push(`  200×80 ${kind}: ${fmt(c.medianMs / naive.medianMs)}× the naive renderer's time; aim under 8 ms ${c.medianMs < 8 ? 'met' : 'not met'} here`);
  }
  return lines;
}
