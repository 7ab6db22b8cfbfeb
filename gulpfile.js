const path = require('path');
const { src, dest, task } = require('gulp');

// tsc compiles the code; the icons the node and credential point to must sit beside them in dist/.
task('build:icons', () =>
	src(['icons/*.svg'], { encoding: false }).pipe(dest(path.join('dist', 'icons'))),
);
