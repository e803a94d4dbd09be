/**
 * Whether a server may share a timeline with the servers already on it (src/cluster/timeline-terms.ts).
 */
import { describe, expect, it } from 'vitest';
import { termsClash } from '../src/cluster/timeline-terms.js';

describe('termsClash', () => {
  it('lets in a server that reads the timeline as the others do', () => {
    expect(termsClash({ duration: 20, loop: true }, [])).toBeNull();
    expect(termsClash({ duration: 20, loop: true }, [{ duration: 20.02, loop: true }, { duration: 20, loop: true }])).toBeNull();
  });

  it('names a disagreement on looping, either way round', () => {
    expect(termsClash({ duration: 20, loop: false }, [{ duration: 20, loop: true }])).toBe('its servers loop the source (--loop) and this one plays it once (no --loop)');
    expect(termsClash({ duration: 20, loop: true }, [{ duration: 20, loop: false }])).toBe('its servers play the source once (no --loop) and this one loops it (--loop)');
  });

  it('names a source of another length', () => {
    expect(termsClash({ duration: 6, loop: true }, [{ duration: 20, loop: true }])).toBe('its servers play a source 20.000 s long and this one 6.000 s');
  });

  it('does not judge a server whose beat states no terms (an older version)', () => {
    expect(termsClash({ duration: 6, loop: false }, [{}])).toBeNull();
  });
});
