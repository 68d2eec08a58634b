// The examples each command's --help ends with (docs/cli.md shows the same commands).
export const COMMAND_EXAMPLES: Record<string, string[]> = {
  train: [
    'trickbox train recipes/fashion-quick.json',
    'trickbox train recipes/fashion-resnet20-baseline.json --epochs 3 --set optimizer.lr=0.05 --out runs/try',
    'trickbox train recipes/fashion-resnet20-baseline.json --set mixing.name=mixup --set mixing.alpha=0.2',
    'trickbox train --resume runs/try',
    'trickbox train recipes/fashion-quick.json --json -q   # final line as JSON',
  ],
  eval: [
    'trickbox eval runs/try',
    'trickbox eval runs/try --flip-tta --json',
    'trickbox eval web/model --recipe recipes/fashion-quick.json',
  ],
  predict: ['trickbox predict runs/try shirt.png boot.jpg --top 3', 'trickbox predict web/model photos/*.jpg --json'],
  ablate: [
    'trickbox ablate recipes/fashion-resnet20-baseline.json recipes/fashion-resnet20-mixup.json --out runs/ablation',
    'trickbox ablate recipes/fashion-resnet20-baseline.json recipes/fashion-resnet20-label-smoothing.json --seeds 0,1,2 --out runs/abl3',
    'trickbox ablate runs/base runs/mixup --out runs/compare   # finished runs, no training',
  ],
  augment: [
    'trickbox augment recipes/fashion-resnet20-autoaugment.json --out grid.png',
    'trickbox augment recipes/cifar10-resnet20-autoaugment.json --rows 4 --cols 6 --out grid.jpg',
  ],
  schedule: [
    'trickbox schedule recipes/fashion-resnet20-baseline.json --plot lr.svg',
    'trickbox schedule recipes/fashion-resnet20-baseline.json --set schedule.warmupEpochs=2 --every 100 --plot lr.png',
  ],
  export: ['trickbox export runs/try --out web/model', 'trickbox export runs/try --out web/model-fast --fold-bn'],
  bench: ['trickbox bench', 'trickbox bench backend'],
};

/** The "Examples:" block of a command's --help. */
export function examplesHelp(command: string): string {
  const lines = COMMAND_EXAMPLES[command] ?? [];
  return lines.length ? `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}` : '';
}
