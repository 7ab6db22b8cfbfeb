/**
 * FLAC: the STREAMINFO block (always the first metadata block) holds the total samples and the rate;
 * when the count is 0 (a streamed encode) the frames are read to the end (flacFrames.ts).
 */
import { bytes, type ByteReader } from './byteReader';
import { flacFramesDuration } from './flacFrames';
import { countedOrScaled, durationOf, type MediaDuration } from './mediaDuration';

const STREAMINFO = 0;
const STREAMINFO_LENGTH = 34;
const LAST_BLOCK = 0x80;

export async function flacDuration(reader: ByteReader, fileSize?: number): Promise<MediaDuration | undefined> {
	const head = await reader.read(8);
	if (!head || bytes.ascii(head, 0, 4) !== 'fLaC') return undefined;
	const blockType = head[4] & 0x7f;
	const blockLength = (head[5] << 16) | (head[6] << 8) | head[7];
	if (blockType !== STREAMINFO || blockLength < STREAMINFO_LENGTH) return undefined;
	const info = await reader.read(STREAMINFO_LENGTH);
	if (!info) return undefined;
	// Bits 80–99: sample rate (20 bits); bits 108–143: total samples (36 bits), 0 when the encoder did not know.
	const sampleRate = (info[10] << 12) | (info[11] << 4) | (info[12] >> 4);
	const totalSamples = (info[13] & 0x0f) * 2 ** 32 + bytes.u32be(info, 14);
	if (totalSamples === 0) {
		// A streaming encoder could not go back to write the count: the frames give it.
		if (!(await skipMetadataBlocks(reader, head[4] & LAST_BLOCK, blockLength - STREAMINFO_LENGTH))) return undefined;
		const framesStart = reader.position;
		const seconds = await flacFramesDuration(reader, sampleRate, bytes.u16be(info, 0));
		return seconds === undefined ? undefined : countedOrScaled(seconds, 'flac', { start: framesStart, position: reader.position, fileSize });
	}
	const seconds = durationOf(totalSamples, sampleRate);
	return seconds === undefined ? undefined : { seconds, format: 'flac', estimated: false };
}

/** Skips what is left of STREAMINFO and the metadata blocks after it (a picture…), up to the first frame. */
async function skipMetadataBlocks(reader: ByteReader, lastSeen: number, restOfStreamInfo: number): Promise<boolean> {
	if (!(await reader.skip(restOfStreamInfo))) return false;
	for (let last = lastSeen; !last; ) {
		const header = await reader.read(4);
		if (!header) return false;
		last = header[0] & LAST_BLOCK;
		if (!(await reader.skip((header[1] << 16) | (header[2] << 8) | header[3]))) return false;
	}
	return true;
}
