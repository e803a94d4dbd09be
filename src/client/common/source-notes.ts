/**
 * What the server corrected or guessed about its source, as its `/healthz` says it (`format.notes`,
 * and among them `format.stretched`: PROTOCOL-NOTES.md §1.3): a 16:9 video stretched over the
 * sphere, a stereo file shown whole, an animation shown still. A wrong guess is a wrong picture, so
 * both clients say it, where the viewer would otherwise take it for their own fault: `view` the
 * first note on its status line (as `play` does from its own server), the page the stretch in a
 * notice. Asked once: the format is the source's, fixed while it runs.
 */

/** The request gets this long; a server this slow leaves the client without the notice, not stuck. */
const NOTES_PROBE_MS = 3000;

export interface SourceNotes {
  /** Each note, the first the one a status line shows. */
  notes: string[];
  /** The note that the picture has not its layout's shape, or null. */
  stretched: string | null;
}

/** The notes of the source behind `healthUrl`, or null where the server does not say (an older one, a proxy that keeps /healthz to itself, no answer). */
export async function sourceNotes(healthUrl: string | URL): Promise<SourceNotes | null> {
  try {
    // /healthz answers Cache-Control: no-store, so no cached answer stands in.
    const res = await fetch(healthUrl, { signal: AbortSignal.timeout(NOTES_PROBE_MS) });
    if (!res.ok) return null;
    const format = ((await res.json()) as { format?: { notes?: unknown; stretched?: unknown } }).format;
    const notes = Array.isArray(format?.notes) ? format.notes.filter((n): n is string => typeof n === 'string') : [];
    const stretched = typeof format?.stretched === 'string' && format.stretched !== '' ? format.stretched : null;
    return { notes, stretched };
  } catch {
    // No answer, or not JSON (a proxy's page): as from a server that says nothing.
    return null;
  }
}
