/** FLAC: the STREAMINFO block (always the first metadata block) holds the total samples and the rate. */
import { bytes, type ByteReader } from './byteReader';
import { durationOf, type MediaDuration } from './mediaDuration';

const STREAMINFO = 0;
const STREAMINFO_LENGTH = 34;

export async function flacDuration(reader: ByteReader): Promise<MediaDuration | undefined> {
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
	if (totalSamples === 0) return undefined;
	const seconds = durationOf(totalSamples, sampleRate);
	return seconds === undefined ? undefined : { seconds, format: 'flac', estimated: false };
}
