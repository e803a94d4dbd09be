/**
 * What a file says about its sphere, read the way ffmpeg and sharp report it:
 * - video: ffprobe's stream side data, "Spherical Mapping" and "Stereo 3D", which ffmpeg fills from
 *   Spherical Video V2 boxes (`sv3d`, `st3d`) and from V1's XML (`uuid` box);
 * - photos: GPano XMP (sharp's `metadata().xmp`), as Google's Photo Sphere XMP reference names it.
 * Each reader returns the facts in one shape (SphericalMetadata) and a warning per field it had to
 * drop or correct; source-format.ts decides with them and the operator's flags.
 */
import { clamp, wrapDegrees } from '../../protocol/index.js';
import type { LayoutName, PictureFormat } from '../shared/types.js';

export type StereoMode = 'mono' | 'tb' | 'sbs';

export interface SphericalMetadata {
  /** Where it came from, for /healthz and logs: "Spherical Video V2", "GPano XMP". */
  kind: string;
  layout?: LayoutName;
  stereo?: StereoMode;
  /** The right eye comes first (ffmpeg's "inverted"; st3d's right-left). */
  swapEyes?: boolean;
  area?: PictureFormat['area'];
  pose?: PictureFormat['pose'];
  initialView?: { yaw: number; pitch: number; fov?: number };
  warnings: string[];
}

/** Pose angles in range: yaw and roll wrapped to ±180, pitch clamped to ±90, with a warning when moved. */
function checkedPose(yaw: number, pitch: number, roll: number, warnings: string[]): PictureFormat['pose'] {
  const pose = { yaw: wrapDegrees(yaw), pitch: clamp(pitch, -90, 90), roll: wrapDegrees(roll) };
  if (Math.abs(pose.yaw - yaw) > 1e-9 || pose.pitch !== pitch || Math.abs(pose.roll - roll) > 1e-9) {
    warnings.push(`pose ${yaw}/${pitch}/${roll} out of range; using ${pose.yaw}/${pose.pitch}/${pose.roll}`);
  }
  return pose;
}

/**
 * ffprobe's side data of the video stream (`-show_streams`, side_data_list), decoded frame size
 * `width`×`height` (the whole frame, both eyes).
 *
 * Pose: the Spherical Video V2 RFC turns the projection by yaw counter-clockwise about up, then
 * pitch counter-clockwise about right, then roll clockwise about forward (its axes: +Y up, −Z
 * forward). In our view angles (yaw right, pitch up, roll dipping the right edge) that is the
 * file's forward seen at yaw −yaw, pitch +pitch, and roll −roll. ffmpeg reports the three angles
 * as stored, in degrees (checked in test/source-formats.test.ts with a file we write).
 */
export function fromSideData(sideData: readonly Record<string, unknown>[], width: number, height: number): SphericalMetadata | null {
  const sphere = sideData.find((d) => d['side_data_type'] === 'Spherical Mapping');
  const stereo3d = sideData.find((d) => d['side_data_type'] === 'Stereo 3D');
  if (!sphere && !stereo3d) return null;
  const m: SphericalMetadata = { kind: 'Spherical Video', warnings: [] };
  if (stereo3d) {
    const type = String(stereo3d['type'] ?? '');
    if (type === 'top and bottom') m.stereo = 'tb';
    else if (type === 'side by side') m.stereo = 'sbs';
    else if (type === '2D' || type === 'mono') m.stereo = 'mono';
    else m.warnings.push(`stereo layout "${type}" not supported; showing the whole frame`);
    if (Number(stereo3d['inverted'] ?? 0) !== 0) m.swapEyes = true;
  }
  if (sphere) {
    const projection = String(sphere['projection'] ?? '');
    const n = (k: string): number => Number(sphere[k] ?? 0) || 0;
    if (projection === 'equirectangular' || projection === 'tiled equirectangular') {
      m.layout = 'equirect';
      // Bounds: pixels cropped away on each side (av_spherical_tile_bounds), which ffmpeg works out
      // against the coded frame, both eyes included: as fractions they hold for each eye.
      const [l, t, r, b] = [n('bound_left'), n('bound_top'), n('bound_right'), n('bound_bottom')];
      if (projection === 'tiled equirectangular' && l + t + r + b > 0) {
        const fullW = width + l + r, fullH = height + t + b;
        m.area = { left: l / fullW, top: t / fullH, right: (l + width) / fullW, bottom: (t + height) / fullH };
      }
    } else if (projection === 'cubemap') {
      // Layout 0, the one the RFC defines (ffmpeg reports no other).
      m.layout = 'cbmp';
      if (n('padding') > 0) m.warnings.push(`cube map padding ${n('padding')} px ignored`);
    } else if (projection !== '') {
      m.warnings.push(`projection "${projection}" not supported; reading it as equirect`);
      m.layout = 'equirect';
    }
    const yaw = n('yaw'), pitch = n('pitch'), roll = n('roll');
    if (yaw !== 0 || pitch !== 0 || roll !== 0) {
      const p = checkedPose(yaw, pitch, roll, m.warnings);
      m.pose = { yaw: wrapDegrees(-p.yaw), pitch: p.pitch, roll: wrapDegrees(-p.roll) };
    }
  }
  return m;
}

/** One eye's size in a frame of `width`×`height`. */
export function eyeSize(stereo: StereoMode, width: number, height: number): { width: number; height: number } {
  if (stereo === 'tb') return { width, height: Math.floor(height / 2) };
  if (stereo === 'sbs') return { width: Math.floor(width / 2), height };
  return { width, height };
}

/** A GPano property, as an attribute (`GPano:X="v"`) or an element (`<GPano:X>v</GPano:X>`). */
function gpano(xmp: string, name: string): string | null {
  const attribute = new RegExp(`GPano:${name}\\s*=\\s*"([^"]*)"`).exec(xmp);
  if (attribute) return attribute[1]!.trim();
  const element = new RegExp(`<GPano:${name}>([^<]*)</GPano:${name}>`).exec(xmp);
  return element ? element[1]!.trim() : null;
}

/**
 * GPano XMP of a photo of `width`×`height` pixels. Heading angles are compass bearings; our yaw is
 * measured from the picture's centre, so the initial view's yaw is its heading minus the pose's.
 * PosePitch is the centre's angle above the horizon and PoseRoll turns the horizon
 * counter-clockwise in the picture: the file's forward is seen at pitch +PosePitch, roll +PoseRoll.
 */
export function fromXmp(xmp: string, width: number, height: number): SphericalMetadata | null {
  if (!/GPano:/.test(xmp)) return null;
  const m: SphericalMetadata = { kind: 'GPano XMP', warnings: [] };
  const num = (name: string): number | null => {
    const raw = gpano(xmp, name);
    if (raw === null || raw === '') return null;
    const v = Number(raw);
    if (!Number.isFinite(v)) {
      m.warnings.push(`GPano:${name}="${raw.slice(0, 20)}" is not a number; ignored`);
      return null;
    }
    return v;
  };
  const projection = gpano(xmp, 'ProjectionType');
  if (projection !== null && projection.toLowerCase() !== 'equirectangular') {
    m.warnings.push(`GPano:ProjectionType "${projection}" not supported; reading it as equirect`);
  }
  m.layout = 'equirect';
  const fullW = num('FullPanoWidthPixels'), fullH = num('FullPanoHeightPixels');
  const cropW = num('CroppedAreaImageWidthPixels'), cropH = num('CroppedAreaImageHeightPixels');
  const left = num('CroppedAreaLeftPixels') ?? 0, top = num('CroppedAreaTopPixels') ?? 0;
  if (fullW && fullH && cropW && cropH) {
    const area = { left: left / fullW, top: top / fullH, right: (left + cropW) / fullW, bottom: (top + cropH) / fullH };
    if (area.left < 0 || area.top < 0 || area.right > 1 + 1e-9 || area.bottom > 1 + 1e-9 || cropW <= 0 || cropH <= 0) {
      m.warnings.push(`GPano cropped area ${cropW}x${cropH}+${left}+${top} does not fit the ${fullW}x${fullH} panorama; ignored`);
    } else {
      const pictureAspect = width / height, areaAspect = cropW / cropH;
      if (Math.abs(pictureAspect / areaAspect - 1) > 0.02) {
        m.warnings.push(`GPano cropped area ${cropW}x${cropH} is not the photo's shape ${width}x${height}; the area is kept, the photo stretched to it`);
      }
      if (area.left > 0 || area.top > 0 || area.right < 1 || area.bottom < 1) m.area = area;
    }
  }
  const heading = num('PoseHeadingDegrees');
  const pitch = num('PosePitchDegrees') ?? 0, roll = num('PoseRollDegrees') ?? 0;
  if (pitch !== 0 || roll !== 0) m.pose = checkedPose(0, pitch, roll, m.warnings);
  const viewHeading = num('InitialViewHeadingDegrees');
  const viewPitch = num('InitialViewPitchDegrees');
  const viewFov = num('InitialHorizontalFOVDegrees');
  if (viewHeading !== null || viewPitch !== null || viewFov !== null) {
    m.initialView = {
      yaw: wrapDegrees((viewHeading ?? heading ?? 0) - (heading ?? 0)),
      pitch: clamp(viewPitch ?? 0, -90, 90),
      ...(viewFov !== null && viewFov > 0 ? { fov: viewFov } : {}),
    };
  }
  return m;
}
