import { Card, Col, Empty, Row, Typography } from 'antd';
import { type ReactNode } from 'react';

/**
 * One figure: its chart with the table of the exact numbers beside it (below it on a narrow
 * screen), or a clear empty state when the period has nothing to show.
 */
export function FigurePanel({
  title,
  note,
  chart,
  table,
  empty,
  testId,
}: {
  title: ReactNode;
  note?: ReactNode;
  chart: ReactNode;
  table: ReactNode;
  /** The empty state's words when there is nothing to show, else undefined. */
  empty?: string;
  testId: string;
}) {
  return (
    <Card size="small" title={title} data-testid={testId}>
      {note && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }}>
          {note}
        </Typography.Paragraph>
      )}
      {empty ? (
        <Empty description={empty} data-testid={`${testId}-empty`} />
      ) : (
        <Row gutter={[16, 16]} align="top">
          <Col xs={24} xl={11}>
            {chart}
          </Col>
          <Col xs={24} xl={13}>
            {table}
          </Col>
        </Row>
      )}
    </Card>
  );
}
