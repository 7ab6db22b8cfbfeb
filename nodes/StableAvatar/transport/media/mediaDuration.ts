/** What every format parser gives back. */

export type AudioFormat = 'wav' | 'mp3' | 'm4a' | 'ogg' | 'flac' | 'aac' | 'webm';

export interface MediaDuration {
	seconds: number;
	format: AudioFormat;
	/** True when the figure is worked out from sizes and rates rather than read from the headers. */
	estimated: boolean;
	/**
	 * For an estimate: true when its error is known to be far below a second (e.g. an MP3 whose every
	 * sampled frame has the same bitrate), so it may refuse audio over the limit, not only price it.
	 */
	closeEnoughToRefuse?: boolean;
	/** Why the figure is an estimate, or what else the caller should know about it. */
	note?: string;
}

/** Longer than any speech clip could be (a week): a header claiming more is broken or hostile. */
const MAX_PLAUSIBLE_SECONDS = 7 * 24 * 3600;

/** A duration from `units / rate`, or undefined when either is unusable (zero rate, absurd counts). */
export function durationOf(units: number, rate: number): number | undefined {
	if (!Number.isFinite(units) || !Number.isFinite(rate) || units < 0 || rate <= 0) return undefined;
	const seconds = units / rate;
	return seconds <= MAX_PLAUSIBLE_SECONDS ? seconds : undefined;
}

/**
 * A duration counted over the bytes from `start` to `position`: exact when they reached the file's end
 * (or its size is unknown). When they stopped short of `fileSize` (the first 64 KiB of an audio URL) the
 * seconds seen are scaled to the whole file: an estimate that prices a run but refuses nothing, since
 * these formats' bitrates follow the sound.
 */
export function countedOrScaled(seconds: number, format: AudioFormat, read: { start: number; position: number; fileSize?: number }): MediaDuration | undefined {
	const { start, position, fileSize } = read;
	if (fileSize === undefined || position >= fileSize) return { seconds, format, estimated: false };
	const scaled = durationOf(seconds * (fileSize - start), position - start);
	const note = 'Only the first bytes were read: the duration is estimated from the file size and the part read.';
	return scaled === undefined ? undefined : { seconds: scaled, format, estimated: true, note };
}

/** Bytes after the last frame that may be tags (ID3v1 is 128 bytes, an APE tag or Lyrics3 a few KiB) rather than audio. */
const TAIL_ALLOWANCE = 16 * 1024;

/**
 * Frame counters (MP3, ADTS): the frames were counted to the file's end, or to a short tail of tags
 * after them; not when the bytes ran out before the file's size (the first bytes of an audio URL).
 */
export function countedToTheEnd(position: number, fileSize: number | undefined, ranOut: boolean): boolean {
	const rest = fileSize === undefined ? 0 : fileSize - position;
	return rest <= 0 || (!ranOut && rest <= TAIL_ALLOWANCE);
}
