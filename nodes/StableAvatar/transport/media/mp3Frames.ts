/**
 * MP3 without a frame count in its first frame: the frames are counted, header by header, while the
 * file streams past (each frame's payload is skipped unread, so memory stays at one chunk). A decoder
 * outputs a fixed number of samples per frame, so the count gives the exact duration of CBR and VBR
 * files alike. When the bytes stop before the file's size (the first 64 KiB of an audio URL), the rest
 * is estimated from the frames seen.
 */
import type { ByteReader } from './byteReader';
import { countedToTheEnd, durationOf, type MediaDuration } from './mediaDuration';
import { parseFrameHeader, type Mp3FrameHeader } from './mp3Frame';

/** How far to look for the next frame after bytes that are not one (a broken frame mid-file). */
const RESYNC_WINDOW = 4 * 1024;
/** Frames that must agree on one bitrate before a sampled file is taken as constant bitrate. */
const MIN_SAMPLED_FRAMES = 32;

interface Count {
	frames: number;
	/** Bytes of the frames counted. */
	frameBytes: number;
	/** Every counted frame had the first one's bitrate. */
	constantBitrate: boolean;
	/** True when the bytes ran out (rather than stopping at bytes that are not a frame). */
	ranOut: boolean;
}

/** Counts from the reader's position, which is at `first`'s header. */
export async function countedMp3Duration(reader: ByteReader, first: Mp3FrameHeader, fileSize?: number): Promise<MediaDuration | undefined> {
	const start = reader.position;
	const count = await countFrames(reader, first);
	if (count.frames === 0) return undefined;
	// Counted to the file's end, or to a short tail of tags: exact. Bytes that ran out before the size: a sample.
	if (countedToTheEnd(reader.position, fileSize, count.ranOut)) {
		const seconds = durationOf(count.frames * first.samplesPerFrame, first.sampleRate);
		return seconds === undefined ? undefined : { seconds, format: 'mp3', estimated: false };
	}
	// The bytes we did not see are taken to hold frames of the average size of those we did.
	const averageFrameBytes = count.frameBytes / count.frames;
	const seconds = durationOf(((fileSize! - start) / averageFrameBytes) * first.samplesPerFrame, first.sampleRate);
	if (seconds === undefined) return undefined;
	// Why a sampled CBR file may refuse: when every one of many frames has the same bitrate the encoder
	// was in constant-bitrate mode, so the unseen bytes are frames of that same size too. The only error
	// left is trailing tags counted as audio (ID3v1 128 B, APE a few KiB): under 0.5 s even at 32 kbit/s.
	// A VBR file's first seconds say little about the rest (speech vs. pauses): that estimate only prices.
	const cbr = count.ranOut && count.constantBitrate && count.frames >= MIN_SAMPLED_FRAMES;
	const note = cbr
		? `No Xing/Info header: the duration is worked out from the file size and ${count.frames} frames read, all at ${first.bitrate / 1000} kbit/s (constant bitrate).`
		: `No Xing/Info header and only part of the file read (${count.frames} frames, ${count.constantBitrate ? 'too few to tell its bitrate mode' : 'of varying bitrate'}): the duration is estimated from the file size.`;
	return { seconds, format: 'mp3', estimated: true, closeEnoughToRefuse: cbr, note };
}

async function countFrames(reader: ByteReader, first: Mp3FrameHeader): Promise<Count> {
	const count: Count = { frames: 0, frameBytes: 0, constantBitrate: true, ranOut: false };
	for (;;) {
		const head = await reader.peek(4);
		if (head.length < 4) return { ...count, ranOut: true };
		let frame = sameStream(parseFrameHeader(head, 0), first);
		if (!frame) {
			frame = await resync(reader, first);
			if (!frame) return count;
		}
		if (!(await reader.skip(frame.frameLength))) return { ...count, ranOut: true };
		count.frames++;
		count.frameBytes += frame.frameLength;
		if (frame.bitrate !== first.bitrate) count.constantBitrate = false;
	}
}

/** Moves past a few bytes that are not a frame to the next header of the same stream, if one is near. */
async function resync(reader: ByteReader, first: Mp3FrameHeader): Promise<Mp3FrameHeader | undefined> {
	const window = await reader.peek(RESYNC_WINDOW);
	for (let at = 1; at + 4 <= window.length; at++) {
		const frame = sameStream(parseFrameHeader(window, at), first);
		// A header followed by another one (or by the window's end) is taken as real.
		const nextAt = frame ? at + frame.frameLength : 0;
		if (frame && (nextAt + 4 > window.length || sameStream(parseFrameHeader(window, nextAt), first))) {
			await reader.skip(at);
			return frame;
		}
	}
	return undefined;
}

/** The frame when it belongs to the same stream as the first one (same layer and sample rate). */
function sameStream(frame: Mp3FrameHeader | undefined, first: Mp3FrameHeader): Mp3FrameHeader | undefined {
	return frame && frame.layer === first.layer && frame.sampleRate === first.sampleRate ? frame : undefined;
}
