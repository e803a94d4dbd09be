/**
 * The built-in demo: a 360° scene drawn in code (no media file, no download) so a newcomer can tell
 * where they look: sky above, a chequered ground below, a horizon with a tick every 10° and yaw
 * numbers every 30°, compass letters N/E/S/W at yaw 0/90/180/-90, and a ball that circles the
 * horizon once every DEMO_ORBIT_SECONDS.
 *
 * Coordinates follow v360's equirectangular layout: yaw 0 at the image centre, yaw growing to the
 * right, pitch +90 at the top row.
 */

/** 5×7 glyphs, one string of 7 rows of 5 bits each. */
const GLYPHS: Record<string, string[]> = {
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  W: ['10001', '10001', '10001', '10101', '10101', '11011', '10001'],
  '-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
};

export const DEMO_DURATION_SECONDS = 60;
export const DEMO_ORBIT_SECONDS = 20;

type Rgb = [number, number, number];

/** Writes one RGB pixel at equirect (lon°, lat°). */
function plot(out: Uint8Array, w: number, h: number, lon: number, lat: number, c: Rgb): void {
  const x = Math.floor((((lon + 180) / 360) * w) % w + w) % w;
  const y = Math.min(h - 1, Math.max(0, Math.floor(((90 - lat) / 180) * h)));
  const o = (y * w + x) * 3;
  out[o] = c[0];
  out[o + 1] = c[1];
  out[o + 2] = c[2];
}

/**
 * Draws text centred at (lon, lat) with each font pixel `cell` degrees tall; the width in degrees is
 * divided by cos(lat) so the letters look upright and unstretched at that latitude.
 */
function drawText(out: Uint8Array, w: number, h: number, text: string, lon: number, lat: number, cell: number, c: Rgb): void {
  const stretch = 1 / Math.cos((lat * Math.PI) / 180);
  const cellLon = cell * stretch;
  const width = text.length * 6 - 1;
  // Enough samples per font pixel to cover every equirect pixel it spans.
  const step = Math.min(360 / w, 180 / h) / 2;
  for (let i = 0; i < text.length; i++) {
    const glyph = GLYPHS[text[i]!];
    if (!glyph) continue;
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 5; gx++) {
        if (glyph[gy]![gx] !== '1') continue;
        const lon0 = lon + (i * 6 + gx - width / 2) * cellLon;
        const lat0 = lat + (3.5 - gy) * cell;
        for (let a = 0; a < cellLon; a += step) for (let b = 0; b < cell; b += step) plot(out, w, h, lon0 + a, lat0 - b, c);
      }
    }
  }
}

/** Writes `count` pixels of one colour from byte `at`: one pixel, then copies that double the run. */
function fillRun(out: Uint8Array, at: number, count: number, r: number, g: number, b: number): void {
  out[at] = r;
  out[at + 1] = g;
  out[at + 2] = b;
  const end = at + count * 3;
  for (let done = 3; at + done < end; done *= 2) out.copyWithin(at + done, at, Math.min(at + 2 * done, end) - done);
}

/** The still part of the scene, drawn once per working size. */
export function renderDemoBackground(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  // Each row has at most two colours, worked out per row, in runs a ground square wide: the
  // 4096-wide scene that mosaic's working size asks for took 150 ms pixel by pixel.
  const column = new Uint8Array(w);
  for (let x = 0; x < w; x++) column[x] = Math.floor((((x + 0.5) / w) * 360) / 15) & 1;
  const colours = new Uint8Array(6);
  for (let y = 0; y < h; y++) {
    const lat = 90 - ((y + 0.5) / h) * 180;
    let flip = 0;
    if (lat >= 0) {
      // Sky: pale at the horizon, deep blue at the zenith.
      const t = lat / 90;
      colours[0] = colours[3] = Math.round(150 - 130 * t);
      colours[1] = colours[4] = Math.round(190 - 140 * t);
      colours[2] = colours[5] = Math.round(235 - 95 * t);
    } else {
      // Ground: 15° chequerboard, darker towards the nadir so "down" reads as down.
      const shade = 1 - (-lat / 90) * 0.5;
      flip = Math.floor(-lat / 15) & 1;
      colours[0] = Math.round(110 * shade);
      colours[1] = Math.round(80 * shade);
      colours[2] = Math.round(40 * shade);
      colours[3] = Math.round(70 * shade);
      colours[4] = Math.round(120 * shade);
      colours[5] = Math.round(50 * shade);
    }
    // Runs of one colour (a whole sky row, a ground square's width), each filled natively.
    for (let x = 0; x < w; ) {
      let end = x + 1;
      while (end < w && column[end] === column[x]) end++;
      const c = ((column[x]! ^ flip) & 1) * 3;
      fillRun(out, (y * w + x) * 3, end - x, colours[c]!, colours[c + 1]!, colours[c + 2]!);
      x = end;
    }
  }
  const px = 360 / w;
  // Horizon line and ticks every 10°, taller every 30°.
  for (let lon = -180; lon < 180; lon += px) for (let d = -0.6; d <= 0.6; d += px) plot(out, w, h, lon, d, [255, 255, 255]);
  for (let yaw = -180; yaw < 180; yaw += 10) {
    const tall = yaw % 30 === 0 ? 4 : 2;
    for (let d = 0; d <= tall; d += px / 2) for (let t = -0.4; t <= 0.4; t += px / 2) plot(out, w, h, yaw + t, -d, [255, 255, 255]);
    if (yaw % 30 === 0 && yaw % 90 !== 0) drawText(out, w, h, String(yaw), yaw, -8, 1.2, [255, 255, 255]);
  }
  const compass: [string, number, Rgb][] = [
    ['N', 0, [255, 60, 60]],
    ['E', 90, [255, 230, 80]],
    ['S', 180, [255, 255, 255]],
    ['W', -90, [120, 255, 160]],
  ];
  for (const [letter, yaw, colour] of compass) drawText(out, w, h, letter, yaw, 14, 3, colour);
  // Markers at the poles: a red cap at the zenith, a white one at the nadir.
  for (let y = 0; y < Math.ceil(h / 36); y++) {
    for (let x = 0; x < w; x++) {
      const top = (y * w + x) * 3;
      out[top] = 230;
      out[top + 1] = 60;
      out[top + 2] = 60;
      const bottom = ((h - 1 - y) * w + x) * 3;
      out[bottom] = out[bottom + 1] = out[bottom + 2] = 235;
    }
  }
  return out;
}

/**
 * Draws the moving ball for timeline position `t` onto a copy of the background; with `rows`, puts
 * there the first and the last row it may have touched (every other row is the background's).
 */
export function drawDemoMotion(out: Uint8Array, w: number, h: number, t: number, rows?: Int32Array): void {
  const lon0 = ((t / DEMO_ORBIT_SECONDS) * 360) % 360 - 180;
  const lat0 = 5;
  const radius = 6;
  const d2r = Math.PI / 180;
  const y0 = Math.max(0, Math.floor(((90 - lat0 - radius) / 180) * h));
  const y1 = Math.min(h - 1, Math.ceil(((90 - lat0 + radius) / 180) * h));
  if (rows) {
    rows[0] = y0;
    rows[1] = y1;
  }
  const spanLon = radius / Math.cos((lat0 + radius) * d2r);
  const x0 = Math.floor(((lon0 - spanLon + 180) / 360) * w);
  const x1 = Math.ceil(((lon0 + spanLon + 180) / 360) * w);
  const sinLat0 = Math.sin(lat0 * d2r);
  const cosLat0 = Math.cos(lat0 * d2r);
  const cosR = Math.cos(radius * d2r);
  for (let y = y0; y <= y1; y++) {
    const lat = (90 - ((y + 0.5) / h) * 180) * d2r;
    const sinLat = Math.sin(lat);
    const cosLat = Math.cos(lat);
    for (let xs = x0; xs <= x1; xs++) {
      const lon = ((xs + 0.5) / w) * 360 - 180;
      const cosD = sinLat * sinLat0 + cosLat * cosLat0 * Math.cos((lon - lon0) * d2r);
      if (cosD < cosR) continue;
      // Shade by angular distance from the centre: a lit sphere, not a flat disc.
      const k = (cosD - cosR) / (1 - cosR);
      const x = ((xs % w) + w) % w;
      const o = (y * w + x) * 3;
      out[o] = Math.round(200 + 55 * k);
      out[o + 1] = Math.round(90 + 100 * k);
      out[o + 2] = Math.round(20 + 40 * k);
    }
  }
}
