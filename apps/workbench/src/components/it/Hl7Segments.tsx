/**
 * An HL7 v2 message as IT staff read it: one segment per line (the wire separates them with CR),
 * the segment name in bold, long lines wrapped. The text arrives already masked by the hub.
 */
export function Hl7Segments({ text, testId }: { text: string; testId?: string }) {
  const segments = text.split(/\r\n|\r|\n/).filter((segment) => segment.length > 0);
  return (
    <div
      data-testid={testId}
      style={{
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 12,
        lineHeight: 1.6,
        background: '#fafafa',
        border: '1px solid #f0f0f0',
        borderRadius: 4,
        padding: '8px 10px',
        overflowX: 'auto',
      }}
    >
      {segments.map((segment, index) => (
        <div
          key={index}
          data-testid="hl7-segment"
          style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
        >
          <strong style={{ color: '#1668dc' }}>{segment.slice(0, 3)}</strong>
          {segment.slice(3)}
        </div>
      ))}
    </div>
  );
}
