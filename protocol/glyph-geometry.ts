/**
 * Glyph shapes as geometry (PROTOCOL-NOTES.md §8.1): a block glyph's foreground is a union of
 * polygons in cell units (x right, y down, the cell is [0, 1] × [0, 1]). From the outline follow
 * both what the fitter needs (how much of each sample the foreground covers) and what the drawers
 * draw, so the two cannot disagree.
 */

/** A convex polygon, vertices in order, in cell units. */
export type Polygon = readonly (readonly [number, number])[];

/** The rectangle [x0, x1) × [y0, y1) as a polygon. */
export function rectangle(x0: number, y0: number, x1: number, y1: number): Polygon {
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

/** Clips a convex polygon to one side of an axis-aligned line (Sutherland–Hodgman, one edge). */
function clip(points: (readonly [number, number])[], axis: 0 | 1, bound: number, keepBelow: boolean): [number, number][] {
  const out: [number, number][] = [];
  const inside = (p: readonly [number, number]) => (keepBelow ? p[axis] <= bound : p[axis] >= bound);
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    const ia = inside(a);
    const ib = inside(b);
    if (ia) out.push([a[0], a[1]]);
    if (ia !== ib) {
      const t = (bound - a[axis]) / (b[axis] - a[axis]);
      out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

/** Area of the part of convex `polygon` inside the rectangle [x0, x1] × [y0, y1] (exact). */
export function areaInRect(polygon: Polygon, x0: number, y0: number, x1: number, y1: number): number {
  let p: (readonly [number, number])[] = [...polygon];
  p = clip(p, 0, x0, false);
  if (p.length) p = clip(p, 0, x1, true);
  if (p.length) p = clip(p, 1, y0, false);
  if (p.length) p = clip(p, 1, y1, true);
  let twice = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = p[(i + 1) % p.length]!;
    twice += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(twice) / 2;
}

/**
 * Share of each of the cols × rows equal rectangles of a cell (row-major) that the union of
 * `outline`'s polygons covers. The polygons of one outline never overlap, so shares add.
 */
export function coverageOf(outline: readonly Polygon[], cols: number, rows: number): Float64Array {
  const out = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let area = 0;
      for (const polygon of outline) area += areaInRect(polygon, c / cols, r / rows, (c + 1) / cols, (r + 1) / rows);
      out[r * cols + c] = Math.min(1, area * cols * rows);
    }
  }
  return out;
}
