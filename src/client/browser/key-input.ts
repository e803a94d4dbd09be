/**
 * Keyboard: the terminal's keymap (src/client/common/keymap.ts KEYMAP) on browser keys.
 * In the browser `q` rolls left like `Q` (there is nothing to quit) and `f` toggles fullscreen.
 * Keys with Ctrl, Alt or Meta stay the browser's; so do Space and Enter on a focused control, and
 * the arrows in a form control.
 */
import { KEYMAP, type Action } from '../common/keymap.js';

export type PageAction = Exclude<Action, 'quit'> | 'fullscreen';

const NAMED: Readonly<Record<string, string>> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  ' ': 'space',
  Spacebar: 'space',
};

const BROWSER_KEYS: Readonly<Record<string, PageAction>> = { q: 'roll-left', f: 'fullscreen' };

/** The page action of a key press, or null when the key is not ours. */
export function actionForKey(e: KeyboardEvent): PageAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return null;
  const target = e.target;
  if (target instanceof HTMLElement) {
    // Space and Enter press a focused control (a button reached with Tab, a menu); a focused seek
    // bar or menu keeps its arrow keys too. The rest of the keymap still works.
    const field = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    const control = field || /^(BUTTON|A|SUMMARY)$/.test(target.tagName);
    if (control && (e.key === ' ' || e.key === 'Spacebar' || e.key === 'Enter')) return null;
    if (field && e.key.startsWith('Arrow')) return null;
  }
  const browser = BROWSER_KEYS[e.key];
  if (browser) return browser;
  const action = KEYMAP[NAMED[e.key] ?? e.key];
  return action && action !== 'quit' ? action : null;
}
