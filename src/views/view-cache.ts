/**
 * view-cache — the served views of every group (group-view.ts), by group name.
 *
 *   whole tables ─────────────────────▶ a new GroupView (unless an older publication than the one served)
 *   changed rows, based on the served ─▶ applied in place (queued while the view prepares)
 *   changed rows, based on another ────▶ refused: the group serves no table content until the
 *                                        host gets it whole tables again (never a wrong view)
 *
 * A view that must prepare (index and checksums of a big table) is stepped in slices of about
 * 2 ms per turn of the event loop (setImmediate), so requests are answered between the slices.
 */
import type { Publication } from '../cluster/index.js';
import { GroupView } from './group-view.js';

/** prepareSliceMs — preparation steps run back to back in one turn for at most about this long. */
const prepareSliceMs = 2;

/** PublishOutcome — whether a publication is served. */
export type PublishOutcome = 'applied' | 'stale' | 'gap';

/** ViewCache — see the file comment. */
export class ViewCache {
  private readonly views = new Map<string, GroupView>();
  private readonly preparing = new Set<GroupView>();

  /** publish — make `publication` what its group serves ('gap': rows not based on what is served). */
  publish(publication: Publication): PublishOutcome {
    const present = this.views.get(publication.groupName);
    const { rows } = publication;
    if (rows.kind === 'full') {
      if (present && present.seq > publication.seq) return 'stale';
      const view = new GroupView(publication);
      this.views.set(publication.groupName, view);
      this.prepareInSteps(view);
      return 'applied';
    }
    if (present && present.seq >= publication.seq) return 'stale';
    if (!present || present.seq !== rows.baseSeq || !present.publish(publication)) {
      this.views.delete(publication.groupName);
      return 'gap';
    }
    this.prepareInSteps(present);
    return 'applied';
  }

  /** prepareInSteps — step a view that is preparing until it is ready (or replaced). */
  private prepareInSteps(view: GroupView): void {
    if (view.ready || this.preparing.has(view)) return;
    this.preparing.add(view);
    const step = (): void => {
      // Steps of ~1 ms each, as many as fit in prepareSliceMs of this turn: a loaded loop turns
      // seldom, and one step per turn then made a big table's views wait seconds.
      const sliceEndMs = performance.now() + prepareSliceMs;
      do {
        if (this.views.get(view.groupName) !== view || view.prepare()) {
          this.preparing.delete(view);
          return;
        }
      } while (performance.now() < sliceEndMs);
      setImmediate(step);
    };
    setImmediate(step);
  }

  /** forget — drop a group's views (it was unloaded). */
  forget(groupName: string): void {
    this.views.delete(groupName);
  }

  /** get — the group's views, or undefined before its first publication (or after a gap). */
  get(groupName: string): GroupView | undefined {
    return this.views.get(groupName);
  }
}
