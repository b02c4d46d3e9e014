import { Table } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { EChart } from '../charts/EChart';
import { type VolumeMatrix, volumeMatrix } from './aggregate';
import { FigurePanel } from './FigurePanel';
import { monthText } from './format';
import { CENTRES, type VolumeFigure } from './types';

/**
 * 申请量: orders per member unit and per centre for each month of the period, as stacked bars and
 * as a month-by-unit table with totals.
 */
export function VolumeSection({
  volume,
  months,
  memberName,
}: {
  volume: VolumeFigure[];
  months: string[];
  memberName: (code: string) => string;
}) {
  const { t } = useTranslation('management');
  const byMember = useMemo(() => volumeMatrix(volume, months, 'member'), [volume, months]);
  const byCentre = useMemo(() => volumeMatrix(volume, months, 'centre', CENTRES), [volume, months]);
  const empty = volume.length === 0 ? t('volume.empty') : undefined;
  const centreName = useCallback(
    (centre: string) => t(`centre.${centre}`, { defaultValue: centre }),
    [t],
  );
  return (
    <>
      <FigurePanel
        testId="volume-by-member"
        title={t('volume.byMember')}
        note={t('volume.note')}
        empty={empty}
        chart={<VolumeChart matrix={byMember} name={memberName} testId="chart-volume-member" />}
        table={<VolumeTable matrix={byMember} name={memberName} testId="table-volume-member" />}
      />
      <FigurePanel
        testId="volume-by-centre"
        title={t('volume.byCentre')}
        empty={empty}
        chart={<VolumeChart matrix={byCentre} name={centreName} testId="chart-volume-centre" />}
        table={<VolumeTable matrix={byCentre} name={centreName} testId="table-volume-centre" />}
      />
    </>
  );
}

function VolumeChart({
  matrix,
  name,
  testId,
}: {
  matrix: VolumeMatrix;
  name: (group: string) => string;
  testId: string;
}) {
  const { t, i18n } = useTranslation('management');
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: matrix.months.map((month) => monthText(month, i18n.language)),
      },
      yAxis: { type: 'value', minInterval: 1, name: t('volume.orders') },
      series: matrix.groups.map((group) => ({
        type: 'bar',
        name: name(group),
        stack: 'orders',
        emphasis: { focus: 'series' },
        data: matrix.months.map((month) => matrix.cell(month, group)),
      })),
    }),
    // The names change with the language and once the directory has loaded.
    [matrix, name, t, i18n.language],
  );
  return <EChart option={option} height={360} label={t('volume.orders')} testId={testId} />;
}

interface MonthRow {
  month: string;
}

/** Months down, units across, totals on the right and at the foot. */
function VolumeTable({
  matrix,
  name,
  testId,
}: {
  matrix: VolumeMatrix;
  name: (group: string) => string;
  testId: string;
}) {
  const { t, i18n } = useTranslation('management');
  const columns: ColumnsType<MonthRow> = [
    {
      title: t('month'),
      key: 'month',
      fixed: 'left',
      width: 100,
      render: (_, row) => monthText(row.month, i18n.language),
    },
    ...matrix.groups.map((group) => ({
      title: name(group),
      key: group,
      align: 'right' as const,
      render: (_: unknown, row: MonthRow) => (
        <Cell testId={`cell-${row.month}-${group}`} value={matrix.cell(row.month, group)} />
      ),
    })),
    {
      title: t('total'),
      key: 'total',
      align: 'right',
      width: 72,
      render: (_, row) => (
        <Cell strong testId={`total-${row.month}`} value={matrix.monthTotal(row.month)} />
      ),
    },
  ];
  return (
    <Table<MonthRow>
      data-testid={testId}
      rowKey="month"
      size="small"
      bordered
      pagination={false}
      scroll={{ x: 'max-content' }}
      columns={columns}
      dataSource={matrix.months.map((month) => ({ month }))}
      summary={() => (
        <Table.Summary fixed>
          <Table.Summary.Row style={{ background: '#fafafa' }}>
            <Table.Summary.Cell index={0}>
              <strong>{t('total')}</strong>
            </Table.Summary.Cell>
            {matrix.groups.map((group, i) => (
              <Table.Summary.Cell key={group} index={i + 1} align="right">
                <Cell strong testId={`total-${group}`} value={matrix.groupTotal(group)} />
              </Table.Summary.Cell>
            ))}
            <Table.Summary.Cell index={matrix.groups.length + 1} align="right">
              <Cell strong testId="total" value={matrix.total} />
            </Table.Summary.Cell>
          </Table.Summary.Row>
        </Table.Summary>
      )}
    />
  );
}

function Cell({ value, testId, strong }: { value: number; testId: string; strong?: boolean }) {
  return (
    <span
      data-testid={testId}
      style={{
        fontVariantNumeric: 'tabular-nums',
        fontWeight: strong ? 600 : undefined,
        color: value === 0 && !strong ? '#bfbfbf' : undefined,
      }}
    >
      {value}
    </span>
  );
}
