/**
 * `/metrics`: the /healthz counters in Prometheus text exposition format (version 0.0.4), so a
 * scraper sees the same numbers an operator reads in /healthz.
 */
import { FIT_EFFORTS } from '../workers/fit-effort.js';
import type { Health } from './health.js';

function line(out: string[], name: string, type: 'counter' | 'gauge', help: string, value: number, labels = ''): void {
  out.push(`# HELP ascii360_${name} ${help}`, `# TYPE ascii360_${name} ${type}`, `ascii360_${name}${labels} ${Number.isFinite(value) ? value : 0}`);
}

export function prometheusText(h: Health): string {
  const out: string[] = [];
  line(out, 'up', 'gauge', 'Server health: 1 ok, 0.5 degraded (source restarting, frames dropped lately, the picture stalled or the sound given up), 0 failed.', h.status === 'ok' ? 1 : h.status === 'degraded' ? 0.5 : 0);
  line(out, 'viewers', 'gauge', 'WebSocket viewers connected.', h.viewers);
  line(out, 'listeners', 'gauge', 'Audio listeners connected.', h.listeners);
  line(out, 'distinct_views', 'gauge', 'Distinct views rendered per frame.', h.distinctViews);
  line(out, 'render_ms', 'gauge', 'The busiest render worker\'s time on the last frame, ms; the frame interval is the budget.', h.renderMs);
  line(out, 'sampling_tables', 'gauge', 'Sampling tables held by the render workers.', h.tables.count);
  line(out, 'sampling_table_bytes', 'gauge', 'Bytes of the sampling tables held by the render workers.', h.tables.bytes);
  line(out, 'views_held_back', 'gauge', 'Distinct views held back from the last frame, each rendering only its fair share of the frames while rendering is over budget.', h.heldBack);
  line(out, 'fit_effort', 'gauge', 'Mosaic fit effort: 0 full, 1 blocks (no diagonals), 2 sextants (on 2x3 samples), 3 quadrants (on 2x2).', (FIT_EFFORTS as readonly string[]).indexOf(h.fitEffort));
  line(out, 'cells_fitted_total', 'counter', 'Fitted glyph cells rendered (every fitted style).', h.cells.fitted);
  line(out, 'cells_reused_total', 'counter', 'Fitted cells given the frame before\'s glyph and colours again, their samples unchanged: not searched.', h.cells.reused);
  line(out, 'samples_simd_total', 'counter', 'Samples taken by the WebAssembly SIMD sampler, reading frames in the shared frame memory.', h.samples.simd);
  line(out, 'samples_kept_total', 'counter', 'Samples kept from the frame before instead of taken again: their tiles of the frame had not changed.', h.samples.kept);
  line(out, 'samples_js_total', 'counter', 'Samples taken in JavaScript (no shared WebAssembly memory or SIMD here, or a table outside it).', h.samples.js);
  // An info series, as Prometheus spells strings: the labels carry them, the value is always 1.
  line(out, 'decoder_info', 'gauge', 'How frames are decoded now: the accelerator (none: software), what shrinks them to the working size, and how they store their pixels.', 1, `{hwaccel="${h.decoder.hwaccel}",resizer="${h.decoder.resizer}",pixels="${h.decoder.pixels}"}`);
  line(out, 'frames_decoded_total', 'counter', 'Frames decoded from the source.', h.frames.decoded);
  line(out, 'frames_rendered_total', 'counter', 'Frames rendered for viewers.', h.frames.rendered);
  line(out, 'frames_sent_total', 'counter', 'Frames sent to viewers.', h.frames.sent);
  line(out, 'frame_bytes_sent_total', 'counter', 'Frame bytes sent to viewers.', h.frames.bytesSent);
  line(out, 'worker_failures_total', 'counter', 'Render jobs that failed in a worker.', h.workerFailures);
  line(out, 'frames_dropped_total', 'counter', 'Frames dropped by the decode-to-render queue.', h.frames.dropped);
  line(out, 'viewer_frames_dropped_total', 'counter', 'Frames dropped by slow viewers\' send queues.', h.frames.viewerDropped);
  line(out, 'ffmpeg_restarts_total', 'counter', 'ffmpeg restarts after a failure (video and audio).', h.ffmpegRestarts);
  line(out, 'clients_refused_total', 'counter', 'Viewers and listeners refused because the server was full.', h.clients.refused);
  line(out, 'audio_listeners_dropped_total', 'counter', 'Audio listeners dropped for not reading.', h.audio.droppedListeners);
  line(out, 'audio_bytes_sent_total', 'counter', 'Audio bytes sent to listeners.', h.audio.bytesSent);
  line(out, 'av_offset_ms', 'gauge', 'Audio minus picture offset at the server, ms.', h.audio.offsetMs);
  line(out, 'stalled_seconds', 'gauge', 'How long a picture that should play has stood still.', h.stalledMs / 1000);
  line(out, 'position_seconds', 'gauge', 'Shared timeline position.', h.position);
  line(out, 'resident_memory_bytes', 'gauge', 'Resident set size of the server process.', h.memory.rss);
  line(out, 'heap_used_bytes', 'gauge', 'V8 heap in use.', h.memory.heapUsed);
  line(out, 'frame_memory_bytes', 'gauge', 'The shared frame memory: the decoded frame ring and the render threads\' tables and samples beside it (it grows to their peak, and is replaced with the ring).', h.memory.frames);
  line(out, 'uptime_seconds', 'gauge', 'Seconds since the server started.', h.uptime);
  const c = h.cluster;
  if (c) {
    // Per-server load is the lines above; these say how the cluster stands, as this server sees it.
    line(out, 'cluster_connected', 'gauge', 'Whether this server reaches the cluster\'s Redis (1) or plays on alone (0).', c.connected ? 1 : 0);
    line(out, 'cluster_servers', 'gauge', 'Servers of this cluster that beat within the last 5 s.', c.servers.length);
    line(out, 'cluster_viewers', 'gauge', 'Viewers on every server of the cluster, from their last beats.', c.servers.reduce((n, s) => n + s.viewers, 0));
    // Only while it means something (frames playing): a 0 would read as perfectly in step.
    if (c.offsetMs !== null) line(out, 'cluster_offset_seconds', 'gauge', 'This server\'s frames minus the shared position, seconds (positive: ahead).', c.offsetMs / 1000);
    line(out, 'cluster_resyncs_total', 'counter', 'Decoder restarts that brought this server back to the shared position.', c.resyncs);
  }
  return out.join('\n') + '\n';
}
