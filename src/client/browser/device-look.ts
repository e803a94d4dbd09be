/**
 * Device look, the page's gyro button: while on, turning the phone or tablet turns the view, as in
 * YouTube 360, Photo Sphere Viewer's gyroscope plugin and Kuula. Each `deviceorientation` event
 * becomes the camera's angles (device-pose.ts), which the player applies (player-controller.ts
 * devicePose: yaw relative to the moment it went on, pitch and roll the device's own) and sends at
 * most once a frame interval.
 *
 * Offered only where it can work: the API exists and the device has touch. Desktop Chromium has
 * DeviceOrientationEvent and no sensor: it sends one event of nulls, and a button there would do
 * nothing. iOS Safari asks the user first (DeviceOrientationEvent.requestPermission, which needs the
 * click's user gesture, so it is called from the click itself). A device that has the API but no
 * angles within NO_ANGLES_MS is turned off again with a notice; browsers send them to secure pages
 * only (https, localhost), which the notice says where this page is not one.
 */
import type { PlayerController } from '../common/player-controller.js';
import { deviceView, type DeviceView } from './device-pose.js';

/** A device that sends no angles this long after device look went on has none to send. */
export const NO_ANGLES_MS = 2000;

export interface DeviceLookEvents {
  /** Device look went on or off (the button shows it). */
  changed(on: boolean): void;
  /** Why it did not go on, or went off by itself. */
  notice(text: string): void;
}

/** iOS Safari's static method (Chromium has it too, and grants at once); not in TypeScript's DOM types. */
interface PermissionAsking {
  requestPermission?: () => Promise<'granted' | 'denied' | 'default'>;
}

export class DeviceLook {
  private on = false;
  /** A permission prompt is open: clicks wait for its answer. */
  private asking = false;
  /** The page is going: a permission granted after it starts nothing. */
  private disposed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The angles of the newest event, reused: events come 60 times a second and more. */
  private readonly pose: DeviceView = { yaw: 0, pitch: 0, roll: 0 };
  private readonly onOrientation = (e: DeviceOrientationEvent): void => this.orientation(e);

  constructor(
    private readonly player: PlayerController,
    private readonly events: DeviceLookEvents,
  ) {}

  /**
   * Whether to offer device look: on a device with touch (a phone, a tablet) whose browser has the
   * API, or on a page that is not secure, where Chromium leaves the API out altogether (a phone
   * reading `serve` over the LAN's http): there the button says why it cannot, rather than hide.
   */
  static available(): boolean {
    if (typeof DeviceOrientationEvent === 'undefined' && isSecureContext) return false;
    return navigator.maxTouchPoints > 0 || matchMedia('(pointer: coarse)').matches;
  }

  get active(): boolean {
    return this.on;
  }

  /** On or off: call it from the click (iOS asks for permission only in a user gesture). */
  toggle(): void {
    if (this.asking) return;
    if (this.on) {
      this.stop();
      return;
    }
    if (!isSecureContext) {
      this.events.notice(INSECURE);
      return;
    }
    const ask = (DeviceOrientationEvent as unknown as PermissionAsking).requestPermission;
    if (typeof ask !== 'function') {
      this.start();
      return;
    }
    this.asking = true;
    const refused = (): void => this.events.notice('the browser refused the device\'s orientation: the view does not follow it (allow "motion and orientation access" and reload)');
    ask.call(DeviceOrientationEvent).then(
      (answer) => {
        this.asking = false;
        if (this.disposed) return;
        if (answer === 'granted') this.start();
        else refused();
      },
      () => {
        // Safari rejects a request made outside a user gesture, and one on an http page.
        this.asking = false;
        refused();
      },
    );
  }

  private start(): void {
    this.on = true;
    this.player.setDeviceLook(true);
    window.addEventListener('deviceorientation', this.onOrientation);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.stop();
      this.events.notice('this device gives no orientation: the view stays where you drag it');
    }, NO_ANGLES_MS);
    this.events.changed(true);
  }

  private orientation(e: DeviceOrientationEvent): void {
    // Chromium without a sensor sends one event with nulls, at once.
    const { beta, gamma } = e;
    if (beta === null || gamma === null) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Without a compass (alpha null: an accelerometer only) pitch and roll still follow.
    deviceView(e.alpha ?? 0, beta, gamma, screenAngle(), this.pose);
    this.player.devicePose(this.pose.yaw, this.pose.pitch, this.pose.roll);
  }

  private stop(): void {
    if (!this.on) return;
    this.on = false;
    window.removeEventListener('deviceorientation', this.onOrientation);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.player.setDeviceLook(false);
    this.events.changed(false);
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }
}

/** Said where the page is not secure: browsers give the device's orientation to secure pages only. */
const INSECURE = 'the device\'s orientation is given to secure pages only: open this page over https, or as localhost';

/** How far the screen's content is turned from the device's natural orientation, degrees. */
function screenAngle(): number {
  // Safari before 16.4 has no screen.orientation, only the older window.orientation (−90, 0, 90, 180).
  if (typeof screen.orientation?.angle === 'number') return screen.orientation.angle;
  const legacy = (window as unknown as { orientation?: unknown }).orientation;
  return typeof legacy === 'number' ? legacy : 0;
}
