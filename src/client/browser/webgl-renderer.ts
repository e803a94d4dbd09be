/**
 * The fast path: WebGL2, one draw call per frame.
 *
 * The frame's bytes go to the GPU as they arrived, with texSubImage2D: cells as a cols × rows RGBA8
 * texture (R = character, G B A = colour, exactly the wire layout of §3.1), pixel frames as a
 * cols × pixelRows RGB8 texture (BGR, swizzled in the shader), fitted cells (7 bytes each, §3.6) as
 * the byte string itself in an R8 texture FITTED_TEXTURE_WIDTH bytes wide, the fragment reading its
 * cell's seven bytes side by side from cell·7 on. One triangle covers the canvas; each fragment finds its
 * cell, fetches the cell and the coverage of its glyph's slot in the atlas (an R8 texture, laid out
 * as glyph-atlas.ts says) and writes mix(background, foreground, coverage), the background black
 * for ramp cells. No per-cell work on the CPU, no per-frame allocation. Pixel frames fill a backing
 * store of one pixel per frame pixel, scaled up by the browser.
 *
 * Why not one instanced quad per cell: on a software rasteriser (SwiftShader) the per-triangle setup
 * of 32 000 small triangles took about 300 ms for 200×80 cells, against about 45 ms for this pass.
 */
import type { StyleName } from '../../../protocol/index.js';
import type { CellFont } from './cell-font.js';
import { ATLAS_COLUMNS, BLANK_SLOT, fittedSection, TEXT_SECTION, type GlyphSection } from './glyph-atlas.js';
import { sizeCanvas, type GridRenderer } from './grid-renderer.js';

/** Bytes per fitted cell (§3.6). */
const FITTED_CELL = 7;
/**
 * Row length of the fitted bytes texture: a multiple of 7, so no cell straddles two rows and a
 * fragment finds its seven bytes side by side. A fitted frame is at most 150 000 cells (the sample
 * cap, §1.2, at quadrant's 4 samples a cell) × 7 bytes, 257 rows of this. Within any WebGL2 implementation's texture size that matters (the
 * guaranteed minimum is 2048; MAX_TEXTURE_SIZE is asked and the smaller taken).
 */
const FITTED_TEXTURE_WIDTH = FITTED_CELL * 585;

/** The three frame kinds, each drawn by its own small program (no branch on the kind per fragment). */
const KIND_CELLS = 0;
const KIND_PIXELS = 1;
const KIND_FITTED = 2;
type Kind = typeof KIND_CELLS | typeof KIND_PIXELS | typeof KIND_FITTED;

const VERTEX = `#version 300 es
// A triangle that covers the viewport: (-1,-1), (3,-1), (-1,3).
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

const HEAD = `#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_grid;   // cells: (char, R, G, B); pixels: (B, G, R); fitted: the frame's bytes in .r
uniform sampler2D u_atlas;  // glyph coverage in .r
uniform ivec2 u_cell;       // cell size in device pixels
uniform int u_height;       // canvas height in device pixels
uniform int u_cols;         // grid columns (fitted)
uniform int u_width;        // bytes per row of the fitted texture
uniform ivec3 u_section;    // glyph section: base slot, count, byte of glyph 0 (glyph-atlas.ts)
out vec4 outColor;

ivec2 pixel() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  return ivec2(p.x, u_height - 1 - p.y);  // row 0 at the top, as on the wire
}

// Coverage of the glyph that frame byte code names, at pixel inner of its cell.
float cover(float code, ivec2 inner) {
  int g = int(code * 255.0 + 0.5) - u_section.z;
  int slot = g >= 0 && g < u_section.y ? u_section.x + g : ${BLANK_SLOT};
  return texelFetch(u_atlas, ivec2(slot % ${ATLAS_COLUMNS}, slot / ${ATLAS_COLUMNS}) * u_cell + inner, 0).r;
}
`;

const FRAGMENT: Record<Kind, string> = {
  [KIND_CELLS]: `${HEAD}
void main() {
  ivec2 p = pixel();
  ivec2 cell = p / u_cell;
  vec4 c = texelFetch(u_grid, cell, 0);
  outColor = vec4(c.gba * cover(c.r, p - cell * u_cell), 1.0);
}`,
  [KIND_PIXELS]: `${HEAD}
void main() {
  outColor = vec4(texelFetch(u_grid, pixel(), 0).bgr, 1.0);  // one canvas pixel per frame pixel
}`,
  [KIND_FITTED]: `${HEAD}
void main() {
  ivec2 p = pixel();
  ivec2 cell = p / u_cell;
  int o = (cell.y * u_cols + cell.x) * ${FITTED_CELL};
  ivec2 at = ivec2(o % u_width, o / u_width);  // the cell's first byte; the other six follow it
  float code = texelFetch(u_grid, at, 0).r;
  vec3 fg = vec3(texelFetch(u_grid, at + ivec2(1, 0), 0).r, texelFetch(u_grid, at + ivec2(2, 0), 0).r, texelFetch(u_grid, at + ivec2(3, 0), 0).r);
  vec3 bg = vec3(texelFetch(u_grid, at + ivec2(4, 0), 0).r, texelFetch(u_grid, at + ivec2(5, 0), 0).r, texelFetch(u_grid, at + ivec2(6, 0), 0).r);
  outColor = vec4(mix(bg, fg, cover(code, p - cell * u_cell)), 1.0);
}`,
};

interface Program {
  program: WebGLProgram;
  uCell: WebGLUniformLocation | null;
  uHeight: WebGLUniformLocation | null;
  uCols: WebGLUniformLocation | null;
  uWidth: WebGLUniformLocation | null;
  uSection: WebGLUniformLocation | null;
}

interface GlState {
  programs: Record<Kind, Program>;
  vao: WebGLVertexArrayObject;
  grid: WebGLTexture;
  atlas: WebGLTexture;
  /** Row length of the fitted bytes texture. */
  fittedWidth: number;
}

/** The grid texture as allocated: its kind and size in texels. */
type Shape = { kind: Kind; width: number; height: number };

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error('WebGL2: createShader failed');
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
    throw new Error(`WebGL2 shader: ${gl.getShaderInfoLog(shader) ?? 'compile failed'}`);
  }
  return shader;
}

function texture(gl: WebGL2RenderingContext): WebGLTexture {
  const tex = gl.createTexture();
  if (!tex) throw new Error('WebGL2: createTexture failed');
  gl.bindTexture(gl.TEXTURE_2D, tex);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  return tex;
}

export class WebGLRenderer implements GridRenderer {
  readonly kind = 'webgl2';
  private state: GlState | null = null;
  /** Shape of the grid texture as allocated; null forces a texImage2D. */
  private shape: Shape | null = null;
  private readonly probe = new Uint8Array(4);
  private readonly onLost = (e: Event): void => {
    e.preventDefault(); // we rebuild on webglcontextrestored
    this.state = null;
    this.shape = null;
  };
  private readonly onRestored = (): void => this.build();

  /** Returns null where WebGL2 is missing or the shaders do not compile: the caller falls back to 2D. */
  static create(canvas: HTMLCanvasElement, font: CellFont): WebGLRenderer | null {
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false, preserveDrawingBuffer: false });
    if (!gl) return null;
    try {
      return new WebGLRenderer(canvas, gl, font);
    } catch {
      return null;
    }
  }

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly gl: WebGL2RenderingContext,
    private font: CellFont,
  ) {
    this.build();
    canvas.addEventListener('webglcontextlost', this.onLost);
    canvas.addEventListener('webglcontextrestored', this.onRestored);
  }

  private build(): void {
    const gl = this.gl;
    const vao = gl.createVertexArray();
    if (!vao) throw new Error('WebGL2: createVertexArray failed');
    const vertex = compile(gl, gl.VERTEX_SHADER, VERTEX);
    const link = (kind: Kind): Program => {
      const program = gl.createProgram();
      if (!program) throw new Error('WebGL2: createProgram failed');
      gl.attachShader(program, vertex);
      gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT[kind]));
      gl.linkProgram(program);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
        throw new Error(`WebGL2 program: ${gl.getProgramInfoLog(program) ?? 'link failed'}`);
      }
      gl.useProgram(program);
      gl.uniform1i(gl.getUniformLocation(program, 'u_grid'), 0);
      gl.uniform1i(gl.getUniformLocation(program, 'u_atlas'), 1);
      return {
        program,
        uCell: gl.getUniformLocation(program, 'u_cell'),
        uHeight: gl.getUniformLocation(program, 'u_height'),
        uCols: gl.getUniformLocation(program, 'u_cols'),
        uWidth: gl.getUniformLocation(program, 'u_width'),
        uSection: gl.getUniformLocation(program, 'u_section'),
      };
    };
    const programs = { [KIND_CELLS]: link(KIND_CELLS), [KIND_PIXELS]: link(KIND_PIXELS), [KIND_FITTED]: link(KIND_FITTED) };
    gl.bindVertexArray(vao);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.disable(gl.BLEND);
    gl.disable(gl.DEPTH_TEST);
    gl.activeTexture(gl.TEXTURE1);
    const atlas = texture(gl);
    gl.activeTexture(gl.TEXTURE0);
    const grid = texture(gl);
    this.state = { programs, vao, grid, atlas, fittedWidth: Math.min(FITTED_TEXTURE_WIDTH, FITTED_CELL * Math.floor((Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)) || 2048) / FITTED_CELL)) };
    this.shape = null;
    this.uploadAtlas();
  }

  private uploadAtlas(): void {
    const s = this.state;
    if (!s) return;
    const gl = this.gl;
    const f = this.font;
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, s.atlas);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, f.atlasWidth, f.atlasHeight, 0, gl.RED, gl.UNSIGNED_BYTE, f.mask);
    gl.activeTexture(gl.TEXTURE0);
  }

  setFont(font: CellFont): void {
    this.font = font;
    this.uploadAtlas();
  }

  drawCells(cells: Uint8Array, cols: number, rows: number): void {
    if (!this.state) return; // context lost: the next frame after the restore paints
    sizeCanvas(this.canvas, this.font, cols, rows);
    this.upload(KIND_CELLS, cells, cols, rows);
    this.draw(KIND_CELLS, cols, TEXT_SECTION);
  }

  drawFitted(cells: Uint8Array, cols: number, rows: number, style: StyleName): void {
    const s = this.state;
    if (!s) return;
    sizeCanvas(this.canvas, this.font, cols, rows);
    const bytes = cols * rows * FITTED_CELL;
    const width = s.fittedWidth;
    const full = Math.floor(bytes / width);
    const rest = bytes - full * width;
    this.allocate(KIND_FITTED, width, full + (rest > 0 ? 1 : 0));
    const gl = this.gl;
    // Whole rows, then the partial last row: the frame's bytes as they are, no copy (srcOffset).
    if (full > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, full, gl.RED, gl.UNSIGNED_BYTE, cells, 0);
    if (rest > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, full, rest, 1, gl.RED, gl.UNSIGNED_BYTE, cells, full * width);
    this.draw(KIND_FITTED, cols, fittedSection(style));
  }

  drawPixels(bgr: Uint8Array, cols: number, pixelRows: number): void {
    if (!this.state) return;
    sizeCanvas(this.canvas, this.font, cols, Math.ceil(pixelRows / 2), cols, pixelRows);
    this.upload(KIND_PIXELS, bgr, cols, pixelRows);
    this.draw(KIND_PIXELS, cols, TEXT_SECTION);
  }

  /** Binds the grid texture, (re)allocated when its kind or size changed. */
  private allocate(kind: Kind, width: number, height: number): boolean {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.state!.grid);
    const shape = this.shape;
    if (shape && shape.kind === kind && shape.width === width && shape.height === height) return false;
    const [internal, format] = kind === KIND_PIXELS ? [gl.RGB8, gl.RGB] : kind === KIND_FITTED ? [gl.R8, gl.RED] : [gl.RGBA8, gl.RGBA];
    gl.texImage2D(gl.TEXTURE_2D, 0, internal, width, height, 0, format, gl.UNSIGNED_BYTE, null);
    this.shape = { kind, width, height };
    return true;
  }

  /** Cells (RGBA) or pixels (RGB): one texel per cell or pixel. */
  private upload(kind: typeof KIND_CELLS | typeof KIND_PIXELS, data: Uint8Array, width: number, height: number): void {
    const gl = this.gl;
    this.allocate(kind, width, height);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, kind === KIND_PIXELS ? gl.RGB : gl.RGBA, gl.UNSIGNED_BYTE, data);
  }

  private draw(kind: Kind, cols: number, section: GlyphSection): void {
    const s = this.state!;
    const gl = this.gl;
    const p = s.programs[kind];
    gl.useProgram(p.program);
    gl.uniform2i(p.uCell, this.font.width, this.font.height);
    gl.uniform1i(p.uHeight, this.canvas.height);
    gl.uniform1i(p.uCols, cols);
    gl.uniform1i(p.uWidth, s.fittedWidth);
    gl.uniform3i(p.uSection, section.base, section.count, section.first);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  sync(): void {
    const gl = this.gl;
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.probe);
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onLost);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored);
    const s = this.state;
    if (s) {
      const gl = this.gl;
      gl.deleteTexture(s.grid);
      gl.deleteTexture(s.atlas);
      gl.deleteVertexArray(s.vao);
      for (const p of Object.values(s.programs)) gl.deleteProgram(p.program);
    }
    this.state = null;
  }
}
