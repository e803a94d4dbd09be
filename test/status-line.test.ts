/** The terminal's status line at any width (src/client/terminal/status-line.ts). */
import { describe, expect, it } from 'vitest';
import { fitStatusLine, type StatusField } from '../src/client/terminal/status-line.js';

const fields: StatusField[] = [
  { text: '', keep: 9 },
  { text: '> 00:02 / 00:12', keep: 7 },
  { text: 'sextant m5 truecolor', keep: 6, short: { text: 'sextant', keep: 4.5 } },
  { text: 'yaw 0 pitch 0 roll 0 fov 90', keep: 4, short: { text: 'yaw 0 pitch 0 fov 90', keep: 2 } },
  { text: '30/30 fps', keep: 3, short: { text: '30 fps', keep: 2 } },
  { text: 'dropped 0', keep: 1 },
  { text: '0.6 KB/frame', keep: 0 },
  { text: '? help', keep: 5 },
];

describe('status line', () => {
  it('shows every field, in order, two spaces apart, when the terminal is wide enough', () => {
    expect(fitStatusLine(fields, 200)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 roll 0 fov 90  30/30 fps  dropped 0  0.6 KB/frame  ? help');
  });

  it('drops whole fields, the least needed first, never cutting one at the edge', () => {
    for (let width = 16; width <= 120; width++) {
      const line = fitStatusLine(fields, width);
      expect(line.length).toBeLessThanOrEqual(width);
      const shown = line.trim().split('  ');
      // Each piece is a field whole (or its short form), in the fields' order.
      const texts = fields.map((f) => f.text).filter(Boolean);
      const full = (piece: string): string => fields.find((f) => f.short?.text === piece)?.text ?? piece;
      for (let i = 0; i < shown.length; i++) shown[i] = full(shown[i]!);
      let at = -1;
      for (const piece of shown) {
        const i = texts.indexOf(piece);
        if (shown.length > 1) expect(i).toBeGreaterThan(at);
        at = i;
      }
      // What is left out is never kept longer than something shown.
      const keepOf = (t: string): number => fields.find((f) => f.text === t)!.keep;
      const least = Math.min(...shown.map(keepOf));
      for (const t of texts) if (!shown.includes(t)) expect(keepOf(t)).toBeLessThanOrEqual(least);
    }
    // The bytes per frame go first, then an empty drop count, then the short forms.
    expect(fitStatusLine(fields, 99)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 roll 0 fov 90  30/30 fps  dropped 0  ? help');
    expect(fitStatusLine(fields, 90)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 roll 0 fov 90  30/30 fps  ? help');
    expect(fitStatusLine(fields, 79)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 fov 90  30/30 fps  ? help');
    expect(fitStatusLine(fields, 76)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 fov 90  30 fps  ? help');
    expect(fitStatusLine(fields, 70)).toBe(' > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 fov 90  ? help');
    expect(fitStatusLine(fields, 40)).toBe(' > 00:02 / 00:12  sextant  ? help');
  });

  it('a notice in front stays, cut before the time, the style and help go; the style alone before help', () => {
    const noticed = (text: string): StatusField[] => [{ text, keep: 8, cut: { from: 5, suffix: '  |' } }, ...fields];
    expect(fitStatusLine(noticed('monochrome: stays text'), 99)).toBe(' monochrome: stays text  |  > 00:02 / 00:12  sextant m5 truecolor  yaw 0 pitch 0 fov 90  ? help');
    const long = 'video decoder stopped (ffmpeg exited with code 1: Invalid data found when processing input); restarting at 3.4 s';
    const line = fitStatusLine(noticed(long), 119);
    expect(line).toMatch(/^ video decoder stopped \(ffmpeg exited with code 1: Invalid data .*…  \|  > 00:02 \/ 00:12  sextant  \? help$/);
    expect(line.length).toBeLessThanOrEqual(119);
    // Outside a UTF-8 locale the cut is marked in ASCII, and the line still fits.
    const ascii = fitStatusLine(noticed(long), 119, '...');
    expect(ascii).toMatch(/^ video decoder stopped \(ffmpeg exited with code 1: Invalid data [ -~]*\.\.\.  \|  > 00:02 \/ 00:12  sextant  \? help$/);
    expect(ascii.length).toBeLessThanOrEqual(119);
    // The caller's fields are left as they were.
    const given = noticed(long);
    fitStatusLine(given, 60);
    expect(given[0]!.text).toBe(long);
    // Narrow: help outlasts the mode and depth, the time outlasts the rest.
    expect(fitStatusLine(fields, 44)).toBe(' > 00:02 / 00:12  sextant  ? help');
    expect(fitStatusLine(fields, 30)).toBe(' > 00:02 / 00:12  sextant');
    expect(fitStatusLine(fields, 20)).toBe(' > 00:02 / 00:12');
    // Another camera: its name goes before `? help`, the style stays.
    const camera = fields.map((f) => (f.keep === 6 ? { text: 'quadrant m5 truecolor stereographic', keep: 6, short: { text: 'quadrant stereographic', keep: 4.5, short: { text: 'quadrant', keep: 4.8 } } } : f));
    expect(fitStatusLine(camera, 60)).toBe(' > 00:02 / 00:12  quadrant stereographic  ? help');
    expect(fitStatusLine(camera, 44)).toBe(' > 00:02 / 00:12  quadrant  ? help');
  });
});
