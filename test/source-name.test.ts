/** How the operator's source is named to the log and to anyone (src/source/source-name.ts). */
import { describe, expect, it } from 'vitest';
import { clusterNameFor } from '../src/cluster/cluster.js';
import { publicName, redactedSource, withPublicUrls } from '../src/shared/source-name.js';

describe('source names', () => {
  it("hide a URL's user, password and query from the log, and an RTMP stream key; keep other paths as they are", () => {
    expect(redactedSource('https://u:pw@cdn.example/v/a.mp4?sig=abc&exp=1#t=3')).toBe('https://***:***@cdn.example/v/a.mp4?…');
    expect(redactedSource('https://cdn.example/v/a.mp4')).toBe('https://cdn.example/v/a.mp4');
    // A user name may be the key itself.
    expect(redactedSource('https://ghp_abc123@git.example/v.mp4')).toBe('https://***@git.example/v.mp4');
    expect(redactedSource('/srv/media/a b.mp4')).toBe('/srv/media/a b.mp4');
    // An RTMP URL's last path part is its stream key; other streams keep their paths.
    expect(redactedSource('rtmp://ingest.example/live/s3cr3t-key')).toBe('rtmp://ingest.example/live/…');
    expect(redactedSource('rtsp://cam.example:554/stream1')).toBe('rtsp://cam.example:554/stream1');
  });

  it('give anyone only the file name, and a stream only its kind (its path ends in its key)', () => {
    expect(publicName('/srv/media/a b.mp4')).toBe('a b.mp4');
    expect(publicName('https://u:pw@cdn.example/live/index.m3u8?sig=abc')).toBe('index.m3u8');
    expect(publicName('rtmp://ingest.example/app/s3cr3t-key')).toBe('the rtmp stream');
    expect(publicName('srt://h:9000?passphrase=x')).toBe('the srt stream');
    expect(publicName('https://cdn.example/')).toBe('the source');
  });

  it("name every URL in an ffmpeg message as anyone may see it: a segment's carries the same key", () => {
    expect(withPublicUrls('https://u:pw@cdn.example/live/seg-12.ts?sig=abc: Server returned 403 Forbidden')).toBe('seg-12.ts: Server returned 403 Forbidden');
    expect(withPublicUrls("Failed to open 'rtmp://in.example/app/s3cr3t'")).toBe("Failed to open 'the rtmp stream'");
  });

  it('give a cluster a name /healthz may show: not a stream key, told apart by a hash of host and path', async () => {
    const a = await clusterNameFor('rtmp://in.example/app/s3cr3t-key', 0, 1920, 960);
    const b = await clusterNameFor('rtmp://in.example/app/other-key', 0, 1920, 960);
    expect(a).toMatch(/^the_rtmp_stream-0\.000s-1920x960-[0-9a-f]{12}$/);
    expect(a).not.toContain('s3cr3t');
    expect(b).not.toBe(a);
  });
});
