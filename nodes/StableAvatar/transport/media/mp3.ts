/**
 * MP3: the first frame tells the rates. A VBR file says how many frames it has in a Xing/Info header
 * (LAME, ffmpeg) or a VBRI header (Fraunhofer) inside that first frame, and then a few KiB are read
 * whatever the file's size; without one the frames are counted (mp3Frames.ts), reading the whole file.
 * ID3v2 tags were skipped before this is called.
 */
import { bytes, type ByteReader } from './byteReader';
import { durationOf, type MediaDuration } from './mediaDuration';
import { countedMp3Duration } from './mp3Frames';
import { parseFrameHeader, VBRI_OFFSET, xingOffset, type Mp3FrameHeader } from './mp3Frame';

/** How far past the tags to look for the first frame (encoders may leave some junk or padding). */
const SEARCH_WINDOW = 16 * 1024;
/** The longest possible frame (Layer II/III, 384 kbit/s at 8 kHz) plus a next frame header. */
const FRAME_WINDOW = 2 * 2900;
const XING_FRAMES_FLAG = 0x1;

export async function mp3Duration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const frame = await findFirstFrame(reader);
	if (!frame) return undefined;
	const window = await reader.peek(FRAME_WINDOW);
	const frames = xingFrames(window, frame) ?? vbriFrames(window);
	if (frames !== undefined && frames > 0) {
		const seconds = durationOf(frames * frame.samplesPerFrame, frame.sampleRate);
		return seconds === undefined ? undefined : { seconds, format: 'mp3', estimated: false };
	}
	return await countedMp3Duration(reader, frame, fileSize);
}

/** Moves the reader to the first frame whose header is followed by another valid one (or the file's end). */
async function findFirstFrame(reader: ByteReader): Promise<Mp3FrameHeader | undefined> {
	const window = await reader.peek(SEARCH_WINDOW + FRAME_WINDOW);
	for (let at = 0; at < Math.min(SEARCH_WINDOW, window.length - 3); at++) {
		const frame = parseFrameHeader(window, at);
		if (!frame) continue;
		const nextAt = at + frame.frameLength;
		const next = parseFrameHeader(window, nextAt);
		// A false sync (0xFFE in some other data) is rarely followed by a matching header one frame later.
		const confirmed = nextAt + 4 > window.length ? nextAt <= window.length : next?.sampleRate === frame.sampleRate && next.layer === frame.layer;
		if (!confirmed) continue;
		if (!(await reader.skip(at))) return undefined;
		return frame;
	}
	return undefined;
}

/** Frames counted by a Xing or Info header (Layer III), when it has the frame count. */
function xingFrames(frameBytes: Uint8Array, frame: Mp3FrameHeader): number | undefined {
	if (frame.layer !== 3) return undefined;
	const at = xingOffset(frame);
	const tag = bytes.ascii(frameBytes, at, 4);
	if (tag !== 'Xing' && tag !== 'Info') return undefined;
	const flags = bytes.u32be(frameBytes, at + 4);
	if (!(flags & XING_FRAMES_FLAG) || at + 12 > frameBytes.length) return undefined;
	return bytes.u32be(frameBytes, at + 8);
}

/** Frames counted by a Fraunhofer VBRI header. */
function vbriFrames(frameBytes: Uint8Array): number | undefined {
	if (bytes.ascii(frameBytes, VBRI_OFFSET, 4) !== 'VBRI' || VBRI_OFFSET + 18 > frameBytes.length) return undefined;
	return bytes.u32be(frameBytes, VBRI_OFFSET + 14);
}
