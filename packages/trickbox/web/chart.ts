// A minimal live line chart on a canvas: training loss per step (left axis) and hold-out accuracy (right axis, 0–1).
export interface ChartPoint {
  step: number;
  value: number;
}

export class LiveChart {
  private readonly loss: ChartPoint[] = [];
  private readonly accuracy: ChartPoint[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private steps: number,
  ) {}

  reset(steps: number): void {
    this.steps = steps;
    this.loss.length = 0;
    this.accuracy.length = 0;
    this.draw();
  }

  add(step: number, loss: number, accuracy?: number): void {
    this.loss.push({ step, value: loss });
    if (accuracy !== undefined) this.accuracy.push({ step, value: accuracy });
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width, height } = this.canvas;
    const pad = 36;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#999';
    ctx.strokeRect(pad, 8, width - 2 * pad, height - pad - 8);
    const maxLoss = Math.max(1e-6, ...this.loss.map((p) => p.value));
    const x = (step: number): number => pad + ((width - 2 * pad) * step) / Math.max(1, this.steps);
    const y = (fraction: number): number => height - pad - (height - pad - 8) * fraction;
    this.line(ctx, this.loss, x, (v) => y(v / maxLoss), '#1f77b4');
    this.line(ctx, this.accuracy, x, y, '#d62728');
    ctx.fillStyle = '#333';
    ctx.font = '12px sans-serif';
    ctx.fillText(`loss (max ${maxLoss.toFixed(2)})`, pad, height - 18);
    ctx.fillText('hold-out accuracy (0–100 %)', width / 2, height - 18);
    ctx.fillText(`step ${this.loss.at(-1)?.step ?? 0} / ${this.steps}`, pad, height - 4);
  }

  private line(
    ctx: CanvasRenderingContext2D,
    points: ChartPoint[],
    x: (step: number) => number,
    y: (value: number) => number,
    colour: string,
  ): void {
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.step), y(p.value)) : ctx.lineTo(x(p.step), y(p.value))));
    ctx.stroke();
    for (const p of points.length < 40 ? points : []) ctx.fillRect(x(p.step) - 2, y(p.value) - 2, 4, 4);
  }
}
