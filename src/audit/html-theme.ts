/**
 * The audit report's palette, shared by the page's CSS and its inline SVG charts (and by
 * the rendering test, which looks for these exact colours in a screenshot).
 */
export const THEME = {
  text: '#1f2933',
  muted: '#5b6776',
  faint: '#8a96a3',
  border: '#d5dbe2',
  grid: '#e8ecf0',
  subtle: '#f5f7f9',
  accent: '#1f4e79',
  series: '#1f4e79',
  /** Status pills: background / text. */
  passBg: '#d8f0e0',
  passFg: '#15603a',
  failBg: '#fbdcda',
  failFg: '#a11f17',
  naBg: '#e9edf1',
  naFg: '#4d5967',
  /** Decision actions (marker colours in charts, pill text). */
  action: {
    continue: '#8a96a3',
    watch: '#b26a00',
    retrain: '#2a62b8',
    freeze: '#c0262d',
  } as Record<string, string>,
  actionBg: {
    continue: '#eef1f4',
    watch: '#fdefd5',
    retrain: '#e0ebfa',
    freeze: '#fbdcda',
  } as Record<string, string>,
  /** Event-log banner. */
  okBg: '#eaf6ee',
  okBorder: '#2f855a',
  badBg: '#fbe3e1',
  badBorder: '#c0262d',
} as const;

/** Colour for a registry transition kind (promotion green, freeze red, retrain blue, refusals amber). */
export function transitionColor(kind: string): string {
  const k = String(kind ?? '').toLowerCase();
  if (k.includes('refus') || k.includes('reject')) return THEME.action.watch!;
  if (k.startsWith('unfroz')) return '#2f855a';
  if (k.includes('froz') || k.includes('freeze')) return THEME.action.freeze!;
  if (k.includes('retrain')) return THEME.action.retrain!;
  if (k.startsWith('promot')) return '#2f855a';
  return '#5b6776';
}

export function actionColor(action: string): string {
  return THEME.action[action] ?? THEME.muted;
}

export function actionBg(action: string): string {
  return THEME.actionBg[action] ?? THEME.naBg;
}
