/**
 * A synthetic equirectangular test scene for projection tests: a smooth background that differs in
 * every direction (no seam, no pole singularity) with solid caps at known directions, so a wrong
 * sign or a misplaced seam shows, and the pictures ffmpeg v360 and ours make of it can be compared.
 */
export const W = 1024;
export const H = 512;

export type RGB = readonly [number, number, number];

/** Solid spherical caps at known directions; lon positive right, lat positive up, degrees. */
export const MARKERS = {
  front: { lon: 0, lat: 0, radius: 14, rgb: [230, 30, 30] },
  right: { lon: 90, lat: 0, radius: 14, rgb: [30, 200, 40] },
  back: { lon: 180, lat: 0, radius: 14, rgb: [40, 60, 230] }, // straddles the seam
  left: { lon: -90, lat: 0, radius: 14, rgb: [230, 210, 30] },
  up: { lon: 0, lat: 90, radius: 14, rgb: [220, 40, 200] }, // north pole cap
  down: { lon: 0, lat: -90, radius: 14, rgb: [30, 210, 210] }, // south pole cap
  probe: { lon: 65, lat: -40, radius: 7, rgb: [250, 140, 0] }, // off-centre in the rolled view
  probe2: { lon: 40, lat: 35, radius: 6, rgb: [250, 250, 250] }, // off-centre in the (30, 20) view
} as const satisfies Record<string, { lon: number; lat: number; radius: number; rgb: RGB }>;
export type MarkerName = keyof typeof MARKERS;

/** Unit vector (right, up, forward) for a direction in degrees. */
export function direction(lonDeg: number, latDeg: number): [number, number, number] {
  const lon = (lonDeg * Math.PI) / 180;
  const lat = (latDeg * Math.PI) / 180;
  return [Math.cos(lat) * Math.sin(lon), Math.sin(lat), Math.cos(lat) * Math.cos(lon)];
}

/**
 * 1024×512 RGB24: background 130 + 55·(direction vector), smooth everywhere on the sphere (no seam,
 * no pole singularity, channels 75…185), with the markers painted over it.
 */
export function makeEquirect(): Uint8Array {
  const img = new Uint8Array(W * H * 3);
  const markers = Object.values(MARKERS).map((m) => ({
    dir: direction(m.lon, m.lat),
    cos: Math.cos((m.radius * Math.PI) / 180),
    rgb: m.rgb,
  }));
  for (let y = 0; y < H; y++) {
    const lat = 90 - ((y + 0.5) / H) * 180;
    for (let x = 0; x < W; x++) {
      const lon = ((x + 0.5) / W) * 360 - 180;
      const d = direction(lon, lat);
      let rgb: RGB = [130 + 55 * d[0], 130 + 55 * d[1], 130 + 55 * d[2]];
      for (const m of markers) {
        if (d[0] * m.dir[0] + d[1] * m.dir[1] + d[2] * m.dir[2] >= m.cos) rgb = m.rgb;
      }
      const o = (y * W + x) * 3;
      img[o] = Math.round(rgb[0]);
      img[o + 1] = Math.round(rgb[1]);
      img[o + 2] = Math.round(rgb[2]);
    }
  }
  return img;
}

