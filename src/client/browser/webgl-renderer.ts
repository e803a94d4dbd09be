/**
 * The fast path: WebGL2, one draw call per frame.
 *
 * The frame's bytes go to the GPU as they arrived, with one texSubImage2D: cells as a cols × rows
 * RGBA8 texture (R = character, G B A = colour, exactly the wire layout of §3.1), pixel frames as a
 * cols × pixelRows RGB8 texture (BGR, swizzled in the shader). One triangle covers the canvas; each
 * fragment finds its cell, fetches the cell and the coverage of its glyph in the atlas (an R8
 * texture) and writes colour × coverage. No per-cell work on the CPU, no per-frame allocation.
 * Pixel frames fill a backing store of one pixel per frame pixel, scaled up by the browser.
 *
 * Why not one instanced quad per cell: on a software rasteriser (SwiftShader) the per-triangle setup
 * of 32 000 small triangles took about 300 ms for 200×80 cells, against about 45 ms for this pass.
 */
import { ATLAS_COLUMNS, GLYPHS, FIRST_CHAR, type CellFont } from './cell-font.js';
import { sizeCanvas, type GridRenderer } from './grid-renderer.js';

const VERTEX = `#version 300 es
// A triangle that covers the viewport: (-1,-1), (3,-1), (-1,3).
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
uniform sampler2D u_grid;   // cells: (char, R, G, B); pixels: (B, G, R)
uniform sampler2D u_atlas;  // glyph coverage in .r
uniform ivec2 u_cell;       // cell size in device pixels
uniform int u_height;       // canvas height in device pixels
uniform bool u_pixels;
out vec4 outColor;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  p.y = u_height - 1 - p.y;            // row 0 at the top, as on the wire
  if (u_pixels) {
    outColor = vec4(texelFetch(u_grid, p, 0).bgr, 1.0);  // one canvas pixel per frame pixel
    return;
  }
  ivec2 cell = p / u_cell;
  ivec2 inner = p - cell * u_cell;
  vec4 c = texelFetch(u_grid, cell, 0);
  int glyph = int(c.r * 255.0 + 0.5) - ${FIRST_CHAR};
  if (glyph < 0 || glyph >= ${GLYPHS}) glyph = 0;
  ivec2 a = ivec2(glyph % ${ATLAS_COLUMNS}, glyph / ${ATLAS_COLUMNS}) * u_cell + inner;
  float cover = texelFetch(u_atlas, a, 0).r;
  outColor = vec4(c.gba * cover, 1.0);
}`;

interface GlState {
  program: WebGLProgram;
  vao: WebGLVertexArrayObject;
  grid: WebGLTexture;
  atlas: WebGLTexture;
  uCell: WebGLUniformLocation | null;
  uHeight: WebGLUniformLocation | null;
  uPixels: WebGLUniformLocation | null;
}

type Shape = { cols: number; rows: number; pixels: boolean };

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
    const program = gl.createProgram();
    const vao = gl.createVertexArray();
    if (!program || !vao) throw new Error('WebGL2: createProgram failed');
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
      throw new Error(`WebGL2 program: ${gl.getProgramInfoLog(program) ?? 'link failed'}`);
    }
    gl.useProgram(program);
    gl.bindVertexArray(vao);
    gl.uniform1i(gl.getUniformLocation(program, 'u_grid'), 0);
    gl.uniform1i(gl.getUniformLocation(program, 'u_atlas'), 1);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.disable(gl.BLEND);
    gl.disable(gl.DEPTH_TEST);
    gl.activeTexture(gl.TEXTURE1);
    const atlas = texture(gl);
    gl.activeTexture(gl.TEXTURE0);
    const grid = texture(gl);
    this.state = {
      program, vao, grid, atlas,
      uCell: gl.getUniformLocation(program, 'u_cell'),
      uHeight: gl.getUniformLocation(program, 'u_height'),
      uPixels: gl.getUniformLocation(program, 'u_pixels'),
    };
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
    gl.uniform2i(s.uCell, f.width, f.height);
  }

  setFont(font: CellFont): void {
    this.font = font;
    this.uploadAtlas();
  }

  drawCells(cells: Uint8Array, cols: number, rows: number): void {
    if (!this.state) return; // context lost: the next frame after the restore paints
    sizeCanvas(this.canvas, this.font, cols, rows);
    this.draw(cells, cols, rows, false);
  }

  drawPixels(bgr: Uint8Array, cols: number, pixelRows: number): void {
    if (!this.state) return;
    sizeCanvas(this.canvas, this.font, cols, Math.ceil(pixelRows / 2), cols, pixelRows);
    this.draw(bgr, cols, pixelRows, true);
  }

  private draw(data: Uint8Array, cols: number, texRows: number, pixels: boolean): void {
    const s = this.state!;
    const gl = this.gl;
    const format = pixels ? gl.RGB : gl.RGBA;
    const shape = this.shape;
    gl.bindTexture(gl.TEXTURE_2D, s.grid);
    if (!shape || shape.cols !== cols || shape.rows !== texRows || shape.pixels !== pixels) {
      gl.texImage2D(gl.TEXTURE_2D, 0, pixels ? gl.RGB8 : gl.RGBA8, cols, texRows, 0, format, gl.UNSIGNED_BYTE, data);
      this.shape = { cols, rows: texRows, pixels };
    } else {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, cols, texRows, format, gl.UNSIGNED_BYTE, data);
    }
    gl.uniform1i(s.uHeight, this.canvas.height);
    gl.uniform1i(s.uPixels, pixels ? 1 : 0);
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
      gl.deleteProgram(s.program);
    }
    this.state = null;
  }
}
