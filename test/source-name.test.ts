/** How the operator's source is named to the log and to anyone (src/source/source-name.ts). */
import { describe, expect, it } from 'vitest';
import { publicName, redactedSource } from '../src/source/source-name.js';

describe('source names', () => {
  it("hide a URL's password and query from the log, keep a path as it is", () => {
    expect(redactedSource('https://u:pw@cdn.example/v/a.mp4?sig=abc&exp=1#t=3')).toBe('https://u:***@cdn.example/v/a.mp4?…');
    expect(redactedSource('https://cdn.example/v/a.mp4')).toBe('https://cdn.example/v/a.mp4');
    expect(redactedSource('/srv/media/a b.mp4')).toBe('/srv/media/a b.mp4');
  });

  it('give anyone only the file name, and a stream only its kind (its path ends in its key)', () => {
    expect(publicName('/srv/media/a b.mp4')).toBe('a b.mp4');
    expect(publicName('https://u:pw@cdn.example/live/index.m3u8?sig=abc')).toBe('index.m3u8');
    expect(publicName('rtmp://ingest.example/app/s3cr3t-key')).toBe('the rtmp stream');
    expect(publicName('srt://h:9000?passphrase=x')).toBe('the srt stream');
    expect(publicName('https://cdn.example/')).toBe('the source');
  });
});
