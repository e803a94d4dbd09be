/**
 * Cube maps, with the geometry of ffmpeg 5.1's `v360` (xyz_to_cube3x2, xyz_to_cube6x1,
 * xyz_to_eac): the ray's largest axis picks a face, the other two divided by it give the point on
 * that face, and the arrangement says where each face sits in the frame and how it is turned.
 * - `c3x2`, `c6x1`: v360's default face order "rludfb" (right, left, up, down, front, back), unturned;
 * - `cbmp`: Spherical Video V2's, c3x2 with the up and down faces turned half round;
 * - `eac`: YouTube's equi-angular cubemap: left, front, right over down, back, up, the bottom row
 *   turned a quarter, and each face spaced by angle rather than by tangent (u = 4/π · atan(t)), so
 *   its pixels cover nearly equal solid angles.
 */
import type { Layout } from '../layout.js';

/** Faces in v360's order. */
const enum Face {
  Right,
  Left,
  Up,
  Down,
  Front,
  Back,
}

/** Where a face sits: its tile's column and row, and quarter turns clockwise as drawn. */
interface Placement {
  col: number;
  row: number;
  turns: 0 | 1 | 2 | 3;
}

export interface CubeArrangement {
  readonly name: string;
  readonly cols: number;
  readonly rows: number;
  readonly equiangular: boolean;
  /** Indexed by Face. */
  readonly faces: readonly Placement[];
}

const inOrder = (cols: number): Placement[] => [0, 1, 2, 3, 4, 5].map((k) => ({ col: k % cols, row: Math.floor(k / cols), turns: 0 as const }));

export const CUBE_3X2: CubeArrangement = { name: 'c3x2', cols: 3, rows: 2, equiangular: false, faces: inOrder(3) };
export const CUBE_6X1: CubeArrangement = { name: 'c6x1', cols: 6, rows: 1, equiangular: false, faces: inOrder(6) };
/**
 * Spherical Video V2's cube map (`cbmp` layout 0): c3x2's faces in c3x2's places, but the RFC has
 * the up face's top towards the front and the down face's top towards the back, where v360 draws
 * both the other way up (v360 `c3x2:out_frot=002200` makes one).
 */
export const CUBE_V2: CubeArrangement = {
  name: 'cbmp',
  cols: 3,
  rows: 2,
  equiangular: false,
  faces: inOrder(3).map((p, face) => (face === Face.Up || face === Face.Down ? { ...p, turns: 2 as const } : p)),
};
export const EAC: CubeArrangement = {
  name: 'eac',
  cols: 3,
  rows: 2,
  equiangular: true,
  faces: [
    { col: 2, row: 0, turns: 0 }, // right
    { col: 0, row: 0, turns: 0 }, // left
    { col: 2, row: 1, turns: 3 }, // up
    { col: 0, row: 1, turns: 3 }, // down
    { col: 1, row: 0, turns: 0 }, // front
    { col: 1, row: 1, turns: 1 }, // back
  ],
};

const NO_PAD = Object.freeze({ x: 0, y: 0 });

/** v360 5.1 reads and writes EAC with a border this many pixels wide (xyz_to_eac's pixel_pad), at the file's own size. */
export const EAC_PAD_PIXELS = 2;

export class CubemapLayout implements Layout {
  readonly name: string;
  readonly wholeSphere = true;
  private readonly faceW: number;
  private readonly faceH: number;
  /** Per face: tile origin x, y (pixels) and turns, flattened for the per-tap path. */
  private readonly originX: Float64Array;
  private readonly originY: Float64Array;
  private readonly turns: Uint8Array;
  /** Per face: the first and last whole pixel of its tile, across and down (offsetOf clamps to them). */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly top: Int32Array;
  private readonly bottom: Int32Array;
  /** The face drawn in each tile (row-major), and the tiles' grid: first tile's left edge, tile width, row height. */
  private readonly tileFace: Int8Array;
  private readonly tilesLeft: number;
  private readonly rowHeight: number;
  // The last face point, from `project` (fields, not an array: called per tap).
  private face = 0;
  private fu = 0;
  private fv = 0;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    private readonly arrangement: CubeArrangement,
    pad: { x: number; y: number } = NO_PAD,
  ) {
    this.name = arrangement.name;
    // v360's EAC border: `pad.x` of the width left and right of the whole row, `pad.y` of the
    // height above and below each row of faces.
    const { cols, rows } = arrangement;
    this.faceW = ((1 - 2 * pad.x) / cols) * srcWidth;
    this.faceH = (1 / rows - 2 * pad.y) * srcHeight;
    this.originX = Float64Array.from(arrangement.faces, (p) => pad.x * srcWidth + p.col * this.faceW);
    this.originY = Float64Array.from(arrangement.faces, (p) => (p.row / rows + pad.y) * srcHeight);
    this.turns = Uint8Array.from(arrangement.faces, (p) => p.turns);
    this.left = Int32Array.from(this.originX, (x0) => Math.ceil(x0 - 1e-9));
    this.right = Int32Array.from(this.originX, (x0) => Math.ceil(x0 + this.faceW - 1e-9) - 1);
    this.top = Int32Array.from(this.originY, (y0) => Math.ceil(y0 - 1e-9));
    this.bottom = Int32Array.from(this.originY, (y0) => Math.ceil(y0 + this.faceH - 1e-9) - 1);
    this.tileFace = new Int8Array(cols * rows);
    arrangement.faces.forEach((p, face) => (this.tileFace[p.row * cols + p.col] = face));
    this.tilesLeft = pad.x * srcWidth;
    this.rowHeight = srcHeight / rows;
  }

  /** The face the ray meets and the point on it, each of u, v in [−1, 1] as the face is drawn. */
  private project(x: number, y: number, z: number): void {
    const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
    let u: number, v: number;
    if (ax >= ay && ax >= az) {
      this.face = x > 0 ? Face.Right : Face.Left;
      u = (x > 0 ? -z : z) / ax;
      v = y / ax;
    } else if (ay >= az) {
      this.face = y < 0 ? Face.Up : Face.Down;
      u = x / ay;
      v = (y < 0 ? z : -z) / ay;
    } else {
      this.face = z > 0 ? Face.Front : Face.Back;
      u = (z > 0 ? x : -x) / az;
      v = y / az;
    }
    if (this.arrangement.equiangular) {
      u = (4 / Math.PI) * Math.atan(u);
      v = (4 / Math.PI) * Math.atan(v);
    }
    // A face drawn turned a quarter clockwise shows its point (u, v) at (−v, u).
    const t = u;
    switch (this.turns[this.face]) {
      case 1: u = -v; v = t; break;
      case 2: u = -u; v = -v; break;
      case 3: u = v; v = -t; break;
    }
    this.fu = u;
    this.fv = v;
  }

  locate(x: number, y: number, z: number, out: Float64Array): void {
    this.project(x, y, z);
    out[0] = this.originX[this.face]! + ((this.fu + 1) / 2) * this.faceW - 0.5;
    out[1] = this.originY[this.face]! + ((this.fv + 1) / 2) * this.faceH - 0.5;
  }

  offsetOf(x: number, y: number, z: number): number {
    this.project(x, y, z);
    // Within the face's own tile: a point on an edge never reads the neighbouring tile, which may be another face.
    const f = this.face;
    let px = Math.round(this.originX[f]! + ((this.fu + 1) / 2) * this.faceW - 0.5);
    let py = Math.round(this.originY[f]! + ((this.fv + 1) / 2) * this.faceH - 0.5);
    const left = this.left[f]!, right = this.right[f]!, top = this.top[f]!, bottom = this.bottom[f]!;
    px = px < left ? left : px > right ? right : px;
    py = py < top ? top : py > bottom ? bottom : py;
    return (py * this.srcWidth + px) * 3;
  }

  /**
   * The pixel at (u, v) when it lies a pixel or more inside its face's tile: the tap's exact position
   * (within a fraction of a pixel of an interpolated one) is then on the same face, and rounding
   * cannot leave the tile. Nearer a tile's rim -1: the neighbouring tile may be another face, so
   * the tap is projected exactly (offsetOf clamps it to its own face).
   */
  offsetAt(u: number, v: number): number {
    const col = Math.floor((u + 0.5 - this.tilesLeft) / this.faceW);
    const row = Math.floor((v + 0.5) / this.rowHeight);
    const { cols, rows } = this.arrangement;
    if (!(col >= 0 && col < cols && row >= 0 && row < rows)) return -1;
    const f = this.tileFace[row * cols + col]!;
    if (!(u >= this.left[f]! + 1 && u <= this.right[f]! - 1 && v >= this.top[f]! + 1 && v <= this.bottom[f]! - 1)) return -1;
    return (Math.round(v) * this.srcWidth + Math.round(u)) * 3;
  }

  distance(u0: number, v0: number, u1: number, v1: number): number {
    return Math.hypot(u1 - u0, v1 - v0);
  }
}
