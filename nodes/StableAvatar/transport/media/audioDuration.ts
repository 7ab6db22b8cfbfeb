/**
 * The duration of an audio file from its headers, before it is uploaded: the format is recognised from
 * its first bytes (names and content types lie more often than headers do), then one small parser per
 * format reads only what it needs. OGG is the exception that reads to the end (its duration is in its
 * last page), without holding more than a page header; so do MP3 without a frame count and raw ADTS
 * AAC, whose frames are counted.
 */
import type { ByteStream } from '../http';
import { adtsDuration, parseAdtsHeader } from './adts';
import { bytes, ByteReader } from './byteReader';
import { flacDuration } from './flac';
import { skipId3v2Tags } from './id3v2';
import type { AudioFormat, MediaDuration } from './mediaDuration';
import { mp3Duration } from './mp3';
import { parseFrameHeader } from './mp3Frame';
import { m4aDuration } from './m4a';
import { MP4_FIRST_BOXES } from './mp4Duration';
import { oggDuration } from './ogg';
import { wavDuration } from './wav';
import { isEbml, webmDuration } from './webm';

export type { AudioFormat, MediaDuration } from './mediaDuration';

export interface AudioHint {
	/** The file's size in bytes: needed for MP3s without a frame count and for WAVs without a data size. */
	size?: number;
	/** Accepted for the caller's convenience; the format is recognised from the bytes, not from these. */
	contentType?: string;
	fileName?: string;
}

/**
 * Reads only the bytes it needs from `source` (a stream from byte 0, or a Buffer) and closes a stream it
 * stops reading early. Undefined when the format is not recognised or the headers are unusable; never
 * throws (a stream that fails while being read gives undefined too).
 */
export async function audioDuration(source: ByteStream | Buffer, hint: AudioHint = {}): Promise<MediaDuration | undefined> {
	const reader = new ByteReader(source);
	const size = hint.size ?? (source instanceof Uint8Array ? source.length : undefined);
	try {
		if (!(await skipId3v2Tags(reader))) return undefined;
		switch (recognise(await reader.peek(12))) {
			case 'wav':
				return await wavDuration(reader, size);
			case 'mp3':
				return await mp3Duration(reader, size);
			case 'flac':
				return await flacDuration(reader, size);
			case 'ogg':
				return await oggDuration(reader);
			case 'm4a':
				return await m4aDuration(reader, size);
			case 'aac':
				return await adtsDuration(reader, size);
			case 'webm':
				return await webmDuration(reader, size);
			default:
				return undefined;
		}
	} catch {
		return undefined;
	} finally {
		await reader.close();
	}
}

function recognise(head: Uint8Array): AudioFormat | undefined {
	const tag = bytes.ascii(head, 0, 4);
	if ((tag === 'RIFF' || tag === 'RF64') && bytes.ascii(head, 8, 4) === 'WAVE') return 'wav';
	if (tag === 'fLaC') return 'flac';
	if (tag === 'OggS') return 'ogg';
	if (isEbml(head)) return 'webm';
	if (MP4_FIRST_BOXES.has(bytes.ascii(head, 4, 4))) return 'm4a';
	if (parseAdtsHeader(head, 0)) return 'aac';
	if (parseFrameHeader(head, 0)) return 'mp3';
	return undefined;
}
