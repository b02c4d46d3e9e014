/**
 * Row colours for worklists (Ant Design paints every cell, so a row's own background is hidden):
 * a critical row is red with a red edge, the chosen row blue. Rendered once by the page using them.
 */
export function RowStyles() {
  return (
    <style>{`
.hub-row-critical > td { background: #fff1f0 !important; }
.hub-row-critical > td:first-child { box-shadow: inset 4px 0 0 #cf1322; }
.hub-row-critical:hover > td { background: #ffe4e1 !important; }
.hub-row-selected > td { background: #e6f4ff !important; }
.hub-row-critical.hub-row-selected > td { background: #ffe4e1 !important; }
`}</style>
  );
}

/** The class names of a row: critical and/or chosen. */
export function rowClass(critical: boolean, selected = false): string {
  return [critical ? 'hub-row-critical' : '', selected ? 'hub-row-selected' : '']
    .filter(Boolean)
    .join(' ');
}
