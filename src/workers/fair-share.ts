/**
 * A fair share of each worker's frame time for every view (issue: speed, "no viewer starved").
 * A frame's distinct views render together and the next frame waits for the slowest worker, so
 * while rendering is over budget every view loses the same frames, and a few dear views (ten
 * 1000×500 grids) took a small one's frames with them: 80×24 fell to 1–17 a second.
 *
 * Over budget, the frame time is shared max-min fairly: water filling finds the level L at which
 * the views' costs, each capped at L, fill the budget. A view that costs at most L renders every
 * frame; a dearer one renders when the shares it was given since its last render (L a frame) pay
 * for one, so it gets L / cost of the frames and no more than its share of the time. Within
 * budget every view renders every frame, as before.
 *
 * Shares belong to viewers, not to view keys: a turning view has a new key every frame (its
 * direction is in it), and its tables built every frame are what it costs.
 *
 * Views whose fit the effort governor can still make cheaper (mosaic, fit-effort.ts) are not held
 * back: the governor relieves a crowd of equal views with a coarser fit at full rate, which is
 * the better picture; their cost still counts against the budget the others share.
 */

/** How much a view's measured cost follows its newest render (an average over about four frames). */
const COST_WEIGHT = 0.25;
/**
 * A render counts at most this many times the view's cost so far: one preempted render (a busy
 * 2-core machine, a collection) measured 50 times the cost of 256 equal ramp views' others, and
 * a view thought dear renders seldom, so its cost was slow to come back down (min/max fps 0.09).
 */
const OUTLIER = 2;
/** Renders a view has before it may be held back: its cost is known by then. */
const MEASURED = 4;

export interface ShareView {
  readonly key: string;
  /** Whose view it is, kept while its key changes with its direction (KeyedView.owner); absent: the key. */
  readonly owner?: number;
}

export class FairShare {
  /**
   * Per viewer (ShareView.owner, else the view's key): ms its view's render costs (an average,
   * setup included: a turning view builds its tables every frame, which is what it costs), and the
   * shares it has saved towards its next render.
   */
  private readonly views = new Map<string | number, { cost: number; renders: number; credit: number; seen: number; sharing: boolean }>();
  /** Whose each view key is, as last selected (a render reports its key). */
  private readonly who = new Map<string, { id: string | number; seen: number }>();
  private frame = 0;
  /** The shared views' costs, sorted for the water level (reused: this runs every frame). */
  private readonly costs: number[] = [];
  /** Views held back on the last select (/healthz `heldBack`). */
  heldBack = 0;
  /**
   * How far the last select's renders go over the budget, ms: the exempt views' cost and the
   * least the others are left add up past it. The governor, which can relieve the exempt views,
   * is told it (render-pool.ts loadOf).
   */
  overMs = 0;

  /** A render of view `key` took `ms`. Only a view a select listed counts: a view change's render (a photo looked around) is not shared out. */
  record(key: string, ms: number): void {
    const who = this.who.get(key);
    if (!who || !(ms >= 0)) return;
    const id = who.id;
    const v = this.views.get(id);
    if (!v) this.views.set(id, { cost: ms, renders: 1, credit: 0, seen: this.frame, sharing: false });
    else {
      // The first few renders set the cost (a plain average); then it follows them slowly, outliers cut.
      v.renders++;
      v.cost += v.renders <= MEASURED ? (ms - v.cost) / v.renders : (Math.min(ms, v.cost * OUTLIER) - v.cost) * COST_WEIGHT;
    }
  }

  /**
   * The views of one worker that render this frame, given `budgetMs` of its time: all of them
   * within budget, else each at most its fair share (module comment). A view not measured yet
   * renders (its first frames measure it). `exempt` views render every frame whatever they cost
   * (those the governor relieves instead).
   */
  select<V extends ShareView>(group: readonly V[], budgetMs: number, exempt: (view: V) => boolean, into: V[]): void {
    const frame = ++this.frame;
    let total = 0;
    let exemptCost = 0;
    let shared = 0;
    for (const g of group) {
      const id = g.owner ?? g.key;
      const known = this.who.get(g.key);
      if (known) {
        known.seen = frame;
        known.id = id; // its first viewer left: the view is the next one's now
      } else {
        this.who.set(g.key, { id, seen: frame });
      }
      const v = this.views.get(id);
      if (v) v.seen = frame;
      const cost = v?.cost ?? 0;
      total += cost;
      if (exempt(g)) exemptCost += cost;
      else shared++;
    }
    if (total <= budgetMs || shared === 0) {
      for (const g of group) {
        const v = this.views.get(g.owner ?? g.key);
        if (v) v.sharing = false;
        into.push(g);
      }
      this.heldBack = 0;
      this.overMs = 0;
      this.forgetUnseen(frame);
      return;
    }
    // The time left to the views that share; never less than their head count's part of the budget.
    const left = Math.max(budgetMs - exemptCost, (budgetMs * shared) / group.length);
    this.overMs = Math.max(0, exemptCost + left - budgetMs);
    const costs = this.costs;
    costs.length = 0;
    for (const g of group) if (!exempt(g)) costs.push(this.views.get(g.owner ?? g.key)?.cost ?? 0);
    const level = waterLevel(costs.sort(ascending), left);
    let held = 0;
    let k = 0;
    for (const g of group) {
      const v = this.views.get(g.owner ?? g.key);
      if (!v || v.renders < MEASURED || v.cost <= level || exempt(g)) {
        into.push(g);
        continue;
      }
      // A view that starts sharing starts a part of a render's cost into it, each another part:
      // views of one cost, all starting at 0, would render on the same frames, all or none.
      if (!v.sharing) v.credit = (v.cost * (k++ % shared)) / shared;
      v.sharing = true;
      // Saved shares pay for a render; what is left over is kept, up to one render's cost, so a
      // view gets its whole share but never a burst of renders after its cost fell.
      v.credit += level;
      if (v.credit >= v.cost) {
        v.credit -= v.cost;
        into.push(g);
      } else {
        held++;
      }
      v.credit = Math.min(v.credit, v.cost);
    }
    this.heldBack = held;
    this.forgetUnseen(frame);
  }

  /** Views no frame has listed for a while are gone (their viewers left or turned). */
  private forgetUnseen(frame: number): void {
    if (frame % 64 !== 0) return;
    for (const [id, v] of this.views) if (frame - v.seen > 64) this.views.delete(id);
    for (const [key, w] of this.who) if (frame - w.seen > 64) this.who.delete(key);
  }
}

const ascending = (a: number, b: number): number => a - b;

/**
 * The level L at which `sorted` costs (ascending), each capped at L, add up to `budget`: the
 * cheapest take what they cost while that is under an equal split of what is left.
 */
export function waterLevel(sorted: readonly number[], budget: number): number {
  let left = budget;
  for (let i = 0; i < sorted.length; i++) {
    const even = left / (sorted.length - i);
    if (sorted[i]! > even) return even;
    left -= sorted[i]!;
  }
  return Infinity;
}
