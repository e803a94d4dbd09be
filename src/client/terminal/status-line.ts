/**
 * The terminal client's status line fitted to the terminal's width. Fields are shortened, cut or
 * dropped whole, the least needed first, rather than the line cut mid-field at the right edge: at
 * 100 columns the cut took `? help`, and a long notice in front pushed off everything after it.
 */

/** A shorter way to say a field, taken when the form before it is the least needed thing left (`keep`); it may have a shorter one still. */
export interface ShortForm {
  text: string;
  keep: number;
  short?: ShortForm;
}

export interface StatusField {
  text: string;
  /** Higher stays longer when the line must shrink. */
  keep: number;
  short?: ShortForm;
  /**
   * A notice: once every field left is needed at least this much, its text is cut (ending in `…`,
   * `suffix` kept) before any of them goes.
   */
  cut?: { from: number; suffix: string };
}

/** Characters of a cut notice kept at least: enough to say what happened. */
const CUT_MIN = 16;

/**
 * Fields in their order on screen, joined by two spaces. While the line is too wide, the least
 * needed step is taken: a field's short form, cutting a notice, or leaving a field out whole.
 */
export function fitStatusLine(fields: readonly StatusField[], width: number, ellipsis = '…'): string {
  // Copies: shortening and cutting change them, never the caller's fields.
  const kept = fields.filter((f) => f.text !== '').map((f) => ({ ...f }));
  const textOf = (f: StatusField): string => (f.cut ? f.text + f.cut.suffix : f.text);
  const length = (): number => kept.reduce((n, f) => n + 1 + textOf(f).length, 0) + Math.max(0, kept.length - 1);
  const rank = (f: StatusField): number => f.short?.keep ?? f.keep;
  while (kept.length > 1 && length() > width) {
    let least = 0;
    for (let i = 1; i < kept.length; i++) if (rank(kept[i]!) < rank(kept[least]!)) least = i;
    const notice = kept.find((f) => f.cut && rank(kept[least]!) >= f.cut.from && f.text.length > CUT_MIN);
    if (notice) {
      const room = notice.text.length - (length() - width) - ellipsis.length;
      notice.text = notice.text.slice(0, Math.max(CUT_MIN, room)).trimEnd() + ellipsis;
      continue;
    }
    const f = kept[least]!;
    if (f.short) kept[least] = { ...f, text: f.short.text, short: f.short.short };
    else kept.splice(least, 1);
  }
  // The one field left (a long notice) is cut at the edge: its start says what happened.
  return (' ' + kept.map(textOf).join('  ')).slice(0, Math.max(0, width));
}
