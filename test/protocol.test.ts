/** Wire format round trips (PROTOCOL-NOTES.md §2–§5), including the worked byte example of §3.4. */
import { describe, expect, it } from 'vitest';
import {
  CELL_STYLES,
  frameShape,
  decodeBinaryFrame,
  decodeTextFrame,
  encodeClientMessage,
  encodeInit,
  parseClientMessage,
  parseInit,
  ProtocolError,
  RAMP,
  readFrameIndex,
  writeFrameHeader,
  type ClientMessage,
  type InitInfo,
  type TimelineStatus,
  encodeStatus,
  parseStatus,
} from '../protocol/index.js';

describe('STATUS', () => {
  it('round-trips every code; positions have three decimals, reasons are one line', () => {
    const cases: TimelineStatus[] = [
      { code: 'PLAYING', position: 12.345 }, { code: 'PAUSED', position: 0 }, { code: 'SEEKED', position: 30 }, { code: 'ENDED', position: 60 },
      { code: 'RESTARTING', reason: 'video decoder stopped; restarting at 1.0 s' }, { code: 'FAILED', reason: 'gave up: a:b:c' }, { code: 'STILL', reason: 'photo' },
    ];
    for (const c of cases) expect(parseStatus(encodeStatus(c))).toEqual(c);
    expect(encodeStatus({ code: 'PLAYING', position: 1.5 })).toBe('STATUS:PLAYING:1.500');
    expect(encodeStatus({ code: 'FAILED', reason: 'two\nlines' })).toBe('STATUS:FAILED:two lines');
    expect(parseStatus('STATUS:ENDED')).toEqual({ code: 'ENDED', position: 0 });
    expect(() => parseStatus('STATUS:DANCING:1')).toThrow(/unknown STATUS code/);
    expect(() => parseStatus('STATUS:PAUSED:soon')).toThrow(/not a number/);
  });
});

describe('INIT', () => {
  it('starts with the legacy five fields and round-trips the appended ones', () => {
    const info: InitInfo = { fps: 30, mode: 5, cols: 160, rows: 48, pixel: false, duration: 12.5, startSec: 3.25, live: false, style: 'sextant', palette: '256', camera: 'fisheye' };
    const text = encodeInit(info);
    expect(text).toBe('INIT:30.0:5:160:48:0:0:12.500:3.25:0:sextant:256:fisheye');
    expect(parseInit(text)).toEqual(info);
    const viewed: InitInfo = { ...info, view: { yaw: -12.5, pitch: 30, fov: 75.25 } };
    expect(encodeInit(viewed)).toBe('INIT:30.0:5:160:48:0:0:12.500:3.25:0:sextant:256:fisheye:-12.5:30:75.25');
    expect(parseInit(encodeInit(viewed))).toEqual(viewed);
  });

  it('reads an INIT without the camera field, or with a camera it does not know, as flat', () => {
    expect(parseInit('INIT:30.0:5:80:48:0:0:0.000:0:0:sextant:rgb')).toMatchObject({ camera: 'flat' });
    expect(parseInit('INIT:30.0:5:80:48:0:0:0.000:0:0:sextant:rgb:hyperbolic')).toMatchObject({ camera: 'flat' });
  });

  it('reads an INIT without the style fields, or with a style it does not know, by its pixel field', () => {
    expect(parseInit('INIT:30.0:5:80:48:1:0:0.000:0:0')).toMatchObject({ style: 'half', palette: 'rgb' });
    expect(parseInit('INIT:30.0:5:80:48:0:0:0.000:0:0:hexagons:rgb')).toMatchObject({ style: 'ramp' });
  });

  it('reads ASCILINE legacy INITs of 4 and 5 fields', () => {
    expect(parseInit('INIT:29.97:3:80:24')).toMatchObject({ fps: 29.97, mode: 3, cols: 80, rows: 24, pixel: false, duration: 0 });
    expect(parseInit('INIT:30.0:5:80:48:1')).toMatchObject({ pixel: true });
  });

  it('rejects malformed INITs with a code', () => {
    for (const bad of ['INIT:x:5:1:1', 'INIT:30:9:1:1', 'INIT:30:5:0:1', 'INIT:30:5', 'HELLO']) {
      expect(() => parseInit(bad)).toThrow(ProtocolError);
    }
  });
});

describe('frames', () => {
  it('matches the worked example: index 258, 2x1 grid, raw and adaptive', () => {
    const base = { cols: 2, rows: 1, aspect: 0.5, mode: 5, style: 'ramp' } as const;
    const rawShape = frameShape({ ...base, codec: 'raw' });
    const raw = new Uint8Array(rawShape.frameBytes);
    const at = writeFrameHeader(raw, 258, rawShape.headerBytes);
    raw.set([0x40, 255, 128, 0, 0x20, 0, 0, 0], at);
    expect([...raw]).toEqual([0, 0, 1, 2, 0x40, 255, 128, 0, 0x20, 0, 0, 0]);
    const adaptiveShape = frameShape({ ...base, codec: 'adaptive' });
    const adaptive = new Uint8Array(adaptiveShape.frameBytes);
    writeFrameHeader(adaptive, 258, adaptiveShape.headerBytes);
    expect([...adaptive.subarray(0, 5)]).toEqual([0, 0, 1, 2, 0]);
    expect(adaptive.length).toBe(13);
  });

  it('decodes a frame against its INIT and refuses a wrong size', () => {
    const init = parseInit('INIT:30.0:5:2:1:0');
    const frame = new Uint8Array([0, 0, 0, 7, 65, 1, 2, 3, 66, 4, 5, 6]);
    const decoded = decodeBinaryFrame(frame, init, 'raw');
    expect(decoded.index).toBe(7);
    expect([...decoded.payload]).toEqual([65, 1, 2, 3, 66, 4, 5, 6]);
    expect(() => decodeBinaryFrame(frame.subarray(0, 11), init, 'raw')).toThrow(/expected 12/);
  });

  it('pixel frames carry 3 bytes per pixel and never a tag', () => {
    const shape = frameShape({ cols: 4, rows: 3, aspect: 0.5, mode: 5, style: 'half', codec: 'adaptive' });
    expect(shape).toMatchObject({ kind: 'pixels', initRows: 6, pixel: true, headerBytes: 4, frameBytes: 4 + 4 * 6 * 3, sampleAspect: 1 });
  });

  it('matches the worked fitted example of §3.5 and round-trips it through its INIT', () => {
    const init = parseInit('INIT:30.0:5:2:1:0:0:0.000:0:0:sextant:rgb');
    const shape = frameShape({ cols: 2, rows: 1, aspect: 0.5, mode: 5, style: 'sextant', codec: 'adaptive' });
    expect(shape).toMatchObject({ kind: 'fitted', sampleCols: 4, sampleRows: 3, sampleAspect: 0.75, headerBytes: 4, frameBytes: 4 + 2 * 7 });
    const bytes = new Uint8Array(shape.frameBytes);
    writeFrameHeader(bytes, 258, shape.headerBytes);
    bytes.set([3, 0xff, 0x80, 0, 0, 0, 0xff, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], 4);
    expect([...bytes]).toEqual([0, 0, 1, 2, 3, 0xff, 0x80, 0, 0, 0, 0xff, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    const frame = decodeBinaryFrame(bytes, init, 'adaptive');
    expect(frame).toMatchObject({ index: 258, kind: 'fitted' });
    expect(CELL_STYLES.sextant.glyphs[frame.payload[0]!]).toBe(0x1fb02);
    expect(() => decodeBinaryFrame(bytes.subarray(0, 17), init, 'raw')).toThrow(/expected 18/);
  });

  it('mode 1 is text for every style but half; fitted styles take their samples per cell', () => {
    for (const style of ['ramp', 'quadrant', 'sextant', 'octant', 'braille', 'ascii'] as const) {
      expect(frameShape({ cols: 10, rows: 4, aspect: 0.5, mode: 1, style, codec: 'raw' })).toMatchObject({ kind: 'text', sampleCols: 10, sampleRows: 4 });
    }
    expect(frameShape({ cols: 10, rows: 4, aspect: 0.5, mode: 1, style: 'half', codec: 'raw' }).kind).toBe('pixels');
    expect(frameShape({ cols: 10, rows: 4, aspect: 0.5, mode: 3, style: 'octant', codec: 'raw' })).toMatchObject({ sampleCols: 20, sampleRows: 16, sampleAspect: 1 });
  });

  it('reads the u32 index big-endian, beyond 2^31', () => {
    const out = new Uint8Array(4);
    writeFrameHeader(out, 0xfedcba98, 4);
    expect(readFrameIndex(out)).toBe(0xfedcba98);
  });

  it('mode-1 text frames: index line then rows', () => {
    expect(decodeTextFrame('12\nab\ncd')).toEqual({ index: 12, lines: ['ab', 'cd'] });
    expect(() => decodeTextFrame('x\nab')).toThrow(ProtocolError);
  });

  it('uses the 92-character ramp', () => {
    expect(RAMP).toHaveLength(92);
    expect(RAMP[0]).toBe(' ');
    expect(RAMP.at(-1)).toBe('@');
  });
});

describe('client messages', () => {
  const valid: ClientMessage[] = [
    { type: 'view', yaw: 10, pitch: -20, roll: 5, fov: 75 },
    { type: 'view', fov: 60 },
    { type: 'view', camera: 'stereographic', pitch: -90, fov: 270 },
    { type: 'resize', cols: 120, rows: 40, aspect: 0.5 },
    { type: 'mode', mode: 3 },
    { type: 'style', style: 'sextant' },
    { type: 'style', style: 'quadrant', palette: '256' },
    { type: 'pause', paused: true },
    { type: 'seek', time: 12.5 },
    { type: 'ping' },
  ];
  it.each(valid)('round-trips %j', (m) => {
    expect(parseClientMessage(encodeClientMessage(m))).toEqual(m);
  });

  it('reads the older style message as half or ramp, and names the styles for an unknown one', () => {
    expect(parseClientMessage('{"type":"style","pixel":true}')).toEqual({ type: 'style', style: 'half' });
    expect(parseClientMessage('{"type":"style","pixel":false}')).toEqual({ type: 'style', style: 'ramp' });
    expect(() => parseClientMessage('{"type":"style","style":"x"}')).toThrow('unknown style "x"; styles: ramp, half, quadrant, sextant, mosaic, octant, braille, ascii');
    expect(() => parseClientMessage('{"type":"style","style":"sextant","palette":"88"}')).toThrow(/palette/);
    expect(() => parseClientMessage('{"type":"style"}')).toThrow(/style is required/);
  });

  it("takes ASCILINE's own messages: a seek's requestId, reinit (a style that always brings an INIT), the rest quietly", () => {
    expect(parseClientMessage('{"type":"seek","time":3,"requestId":7}')).toEqual({ type: 'seek', time: 3, requestId: 7 });
    expect(parseClientMessage('{"type":"seek","time":3,"requestId":"a-1"}')).toEqual({ type: 'seek', time: 3, requestId: 'a-1' });
    expect(parseClientMessage('{"type":"reinit","pixel":true,"time":12}')).toEqual({ type: 'reinit', style: 'half' });
    for (const type of ['buffer', 'filter', 'playback-ready']) expect(parseClientMessage(`{"type":"${type}","depth":3}`)).toEqual({ type });
  });

  it('leaves the grid of a resize to the sample cap of the viewer\'s style (the query\'s), not a cell count of its own', () => {
    expect(parseClientMessage('{"type":"resize","cols":1000,"rows":500}')).toEqual({ type: 'resize', cols: 1000, rows: 500 });
  });

  it('wraps yaw and roll into [-180, 180)', () => {
    expect(parseClientMessage('{"type":"view","yaw":190,"roll":-540}')).toEqual({ type: 'view', yaw: -170, roll: -180 });
    expect(parseClientMessage('{"type":"view","yaw":3,"auto":true}')).toEqual({ type: 'view', yaw: 3, auto: true });
    expect(parseClientMessage('{"type":"view","yaw":3,"auto":false}')).toEqual({ type: 'view', yaw: 3 });
  });

  it.each([
    ['{', /not valid JSON/],
    ['null', /JSON object/],
    ['{"yaw":1}', /no type/],
    ['{"type":"zoom"}', /unknown message type "zoom"/],
    ['{"type":"view","pitch":91}', /pitch 91 is out of range -90\.\.90/],
    ['{"type":"view","fov":"wide"}', /fov must be a finite number/],
    ['{"type":"view","fov":400}', /fov 400 is out of range 10\.\.360/],
    ['{"type":"view","camera":"hyperbolic"}', /^unknown camera "hyperbolic"; cameras: flat, stereographic, fisheye, pannini, equirect$/],
    ['{"type":"resize","cols":10.5,"rows":4}', /cols must be an integer/],
    ['{"type":"quality"}', /^quality is required$/],
    ['{"type":"seek","time":3,"requestId":{"a":1}}', /requestId must be/],
    ['{"type":"reinit","time":3}', /pixel must be true or false/],
    ['{"type":"mode","mode":0}', /mode must be 1, 2, 3, 4 or 5/],
    ['{"type":"pause"}', /paused must be true or false/],
    ['{"type":"seek","time":-1}', /^time -1 is below 0$/],
    ['{"type":"view","yaw":3,"auto":"yes"}', /^auto must be true or false$/],
  ])('refuses %s', (text, reason) => {
    expect(() => parseClientMessage(text)).toThrow(reason);
  });
});
