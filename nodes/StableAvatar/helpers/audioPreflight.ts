/**
 * The audio's duration, read before anything is uploaded or submitted: from the headers of a binary
 * input (streamed from n8n's binary storage, only the bytes the headers need), or, when asked, from a
 * bounded range request to an audio URL. Audio over the model's five-minute limit is refused here,
 * while it still costs nothing.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { probeAudioUrl } from '../transport/audioProbe';
import { MAX_AUDIO_SECONDS } from '../transport/cost';
import { closeStream, type FalHttp } from '../transport/http';
import { readAudio, type AudioReading } from '../transport/media/audioDuration';
import { RAW_PCM, RAW_PCM_FIX } from '../transport/media/rawPcm';
import type { MediaInput } from './modelInput';
import { invalidInput } from './validation';

/** The audio's length in seconds when it was read; else, when recognised, what the file is (for the cap's message). */
export interface AudioEstimate {
	seconds?: number;
	unknownFormat?: string;
}

export async function preflightAudio(
	ctx: IExecuteFunctions,
	http: FalHttp,
	audio: MediaInput,
	itemIndex: number,
	options: { probeUrl: boolean },
): Promise<AudioEstimate> {
	const reading = 'upload' in audio ? await readBinary(audio.upload) : options.probeUrl ? await probeAudioUrl(http, audio.url) : {};
	const duration = reading.duration;
	if (!duration && reading.formatName === RAW_PCM) {
		throw invalidInput(ctx, itemIndex, audio.field, 'is raw PCM audio (no header): nothing was uploaded or submitted', RAW_PCM_FIX);
	}
	if (!duration) return { unknownFormat: reading.formatName };
	// Measured or exactly counted durations refuse; a rough estimate (a VBR file's first seconds) only prices.
	if (duration.seconds > MAX_AUDIO_SECONDS && (!duration.estimated || duration.closeEnoughToRefuse)) {
		throw invalidInput(
			ctx,
			itemIndex,
			audio.field,
			`is ${clock(duration.seconds)} long (${duration.seconds.toFixed(1)} s), over the model's limit of 5 minutes (${MAX_AUDIO_SECONDS} s)`,
			'Stable Avatar renders at most five minutes of speech: shorten the audio, or split the script into several items.',
		);
	}
	return { seconds: duration.seconds };
}

async function readBinary(source: Extract<MediaInput, { upload: unknown }>['upload']): Promise<AudioReading> {
	const body = await source.open();
	try {
		return await readAudio(body, { size: source.size, contentType: source.contentType, fileName: source.fileName });
	} catch {
		// Headers we cannot read do not stop the run: the duration is unknown, and fal has the last word.
		return {};
	} finally {
		if (!Buffer.isBuffer(body)) closeStream(body);
	}
}

function clock(seconds: number): string {
	const whole = Math.floor(seconds);
	return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
