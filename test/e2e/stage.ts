/** What run.ts hands to each mode: shared processes, the installed toolchain, the packed package, the emulator. */
import type { EmulatorClient } from './emulator';
import type { ProcessGroup } from './processes';
import type { Report } from './report';
import type { Toolchain } from './toolchain';

export interface Stage {
	group: ProcessGroup;
	toolchain: Toolchain;
	/** This package, packed by `npm pack`. */
	tarball: string;
	emulator: EmulatorClient;
	report: Report;
	/** Holds this run's n8n user folders, databases, logs and written videos. */
	runDir: string;
	log: (line: string) => void;
}
