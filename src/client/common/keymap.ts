/**
 * The keymap both clients share (the browser adds `f` for fullscreen and has nothing to quit:
 * browser/key-input.ts), and its help lines.
 */

/** A digit's jump: to that many tenths of the file, as YouTube's and most web players' 0–9 keys do. */
export type JumpAction = `jump-${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;

export type Action =
  | 'look-left' | 'look-right' | 'look-up' | 'look-down'
  | 'roll-left' | 'roll-right' | 'zoom-in' | 'zoom-out' | 'reset'
  | 'pause' | 'seek-back' | 'seek-forward' | JumpAction | 'cycle-mode' | 'cycle-style' | 'cycle-style-back' | 'toggle-blocks' | 'cycle-camera' | 'toggle-auto-rotate' | 'help' | 'quit';

/** The tenths of the file a jump goes to, or null for any other action. */
export function jumpTenths(action: Action): number | null {
  return action.startsWith('jump-') ? Number(action.slice(5)) : null;
}

/**
 * Key (as typed: a character, or a named key) → action. Q quits only in lower case; Q/E roll.
 * `s` chooses the style (as the picture issue asks), so WASD is gone: arrows, hjkl and the mouse look.
 */
export const KEYMAP: Readonly<Record<string, Action>> = {
  left: 'look-left', h: 'look-left',
  right: 'look-right', l: 'look-right',
  up: 'look-up', k: 'look-up',
  down: 'look-down', j: 'look-down',
  s: 'cycle-style', S: 'cycle-style-back',
  Q: 'roll-left', E: 'roll-right', e: 'roll-right',
  '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', _: 'zoom-out',
  r: 'reset', space: 'pause', ' ': 'pause',
  '[': 'seek-back', ']': 'seek-forward',
  0: 'jump-0', 1: 'jump-1', 2: 'jump-2', 3: 'jump-3', 4: 'jump-4', 5: 'jump-5', 6: 'jump-6', 7: 'jump-7', 8: 'jump-8', 9: 'jump-9',
  m: 'cycle-mode', b: 'toggle-blocks', c: 'cycle-camera', a: 'toggle-auto-rotate', '?': 'help', q: 'quit',
};

/** One line per binding, for help overlays: at most 48 characters, the terminal's help box. */
export const HELP_LINES = [
  'arrows / hjkl          look around',
  'mouse drag             look around',
  'Q / E                  roll',
  '+ / -, mouse wheel     zoom (flat: FOV 30-120)',
  'c                      next camera (planet, map)',
  'r                      reset the view',
  'a                      auto-rotate on / off',
  'space                  pause / play',
  '[ / ]                  seek -10 s / +10 s',
  '0 - 9                  jump to 0-90 %',
  'm                      cycle colour modes',
  's / S                  next / previous style',
  'b                      half blocks on / off',
  '?                      this help',
  'q, Ctrl-C              quit',
  'Ctrl-Z                 suspend (fg resumes)',
  'Ctrl-L                 redraw the screen',
];
