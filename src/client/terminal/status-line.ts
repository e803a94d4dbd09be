/**
 * The terminal client's status line fitted to the terminal's width. Fields are shortened or
 * dropped whole, the least needed first, rather than the line cut mid-field at the right edge: at
 * 100 columns the cut took `? help`, and a notice in front pushed off everything after the time.
 */

export interface StatusField {
  text: string;
  /** Higher stays longer when the line must shrink. */
  keep: number;
  /** A shorter way to say it, taken when the full form is the least needed thing left (`keep`). */
  short?: { text: string; keep: number };
}

/**
 * Fields in their order on screen, joined by two spaces. While the line is too wide, the least
 * needed step is taken: a field's short form, or leaving a field out whole.
 */
export function fitStatusLine(fields: readonly StatusField[], width: number): string {
  const kept = fields.filter((f) => f.text !== '');
  const length = (): number => kept.reduce((n, f) => n + 1 + f.text.length, 0) + Math.max(0, kept.length - 1);
  const rank = (f: StatusField): number => f.short?.keep ?? f.keep;
  while (kept.length > 1 && length() > width) {
    let least = 0;
    for (let i = 1; i < kept.length; i++) if (rank(kept[i]!) < rank(kept[least]!)) least = i;
    const f = kept[least]!;
    if (f.short) kept[least] = { text: f.short.text, keep: f.keep };
    else kept.splice(least, 1);
  }
  // The one field left (a long notice) is cut at the edge: its start says what happened.
  return (' ' + kept.map((f) => f.text).join('  ')).slice(0, Math.max(0, width));
}
