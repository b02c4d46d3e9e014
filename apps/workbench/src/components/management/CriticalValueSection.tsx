import { Col, Row, Statistic, Table, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { EChart } from '../charts/EChart';
import { FigurePanel } from './FigurePanel';
import { minutesText, rateText, secondsAsMinutes } from './format';
import { CENTRE_COLOURS } from './TurnaroundSection';
import { type CriticalValueIndicator, type CriticalValueIndicators } from './types';

type IndicatorRow = CriticalValueIndicator & { key: string; name: string };

/**
 * 危急值闭环: how many critical values were reported, acknowledged, left unacknowledged and
 * acknowledged late, and the median and P90 time to the read-back against the target, overall,
 * per reporting centre and per ordering member.
 */
export function CriticalValueSection({
  indicators,
  memberName,
}: {
  indicators: CriticalValueIndicators;
  memberName: (code: string) => string;
}) {
  const { t } = useTranslation('management');
  const target = secondsAsMinutes(indicators.targetSeconds) ?? 0;
  const { overall } = indicators;
  const byCentre: IndicatorRow[] = indicators.byCentre.map((row) => ({
    ...row,
    key: row.centre,
    name: t(`centre.${row.centre}`),
  }));
  const byClinic: IndicatorRow[] = indicators.byClinic.map((row) => ({
    ...row,
    key: row.org,
    name: memberName(row.org),
  }));
  return (
    <FigurePanel
      testId="critical-values"
      title={t('critical.panel')}
      note={t('critical.note', { minutes: target })}
      empty={overall.total === 0 ? t('critical.empty') : undefined}
      chart={
        <>
          <Row gutter={[8, 8]} style={{ marginBottom: 8 }} data-testid="critical-overall">
            <Indicator title={t('critical.total')} value={overall.total} testId="critical-total" />
            <Indicator
              title={t('critical.unacknowledgedRate')}
              value={rateText(overall.unacknowledged, overall.total)}
              danger={overall.unacknowledged > 0}
              testId="critical-unacknowledged-rate"
            />
            <Indicator
              title={t('critical.lateRate')}
              value={rateText(overall.late, overall.total)}
              danger={overall.late > 0}
              testId="critical-late-rate"
            />
            <Indicator
              title={`${t('critical.median')} (${t('minutes')})`}
              value={minutesText(secondsAsMinutes(overall.medianSeconds))}
              danger={(secondsAsMinutes(overall.medianSeconds) ?? 0) > target}
              testId="critical-median"
            />
          </Row>
          <CriticalChart rows={byCentre} target={target} />
        </>
      }
      table={
        <>
          <Typography.Title level={5}>{t('critical.byCentre')}</Typography.Title>
          <IndicatorTable
            rows={byCentre}
            nameTitle={t('critical.centre')}
            target={target}
            testId="table-critical-centre"
          />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('critical.byClinic')}
          </Typography.Title>
          <IndicatorTable
            rows={byClinic}
            nameTitle={t('critical.clinic')}
            target={target}
            testId="table-critical-clinic"
          />
        </>
      }
    />
  );
}

function Indicator({
  title,
  value,
  danger,
  testId,
}: {
  title: string;
  value: number | string;
  danger?: boolean;
  testId: string;
}) {
  return (
    <Col span={6}>
      <Statistic
        title={<span style={{ fontSize: 12 }}>{title}</span>}
        value={value}
        styles={{
          content: { fontSize: 20, color: danger ? '#cf1322' : undefined },
        }}
        valueRender={(node) => <span data-testid={testId}>{node}</span>}
      />
    </Col>
  );
}

function CriticalChart({ rows, target }: { rows: IndicatorRow[]; target: number }) {
  const { t, i18n } = useTranslation('management');
  const option = useMemo(() => {
    const unit = t('minutes');
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v} ${unit}` : '—'),
      },
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rows.map((row) => row.name) },
      // The target line always in view, however quick the acknowledgements were.
      yAxis: {
        type: 'value',
        name: unit,
        max: ({ max }: { max: number }) => Math.ceil(Math.max(max, target) * 1.2),
      },
      series: [
        {
          type: 'bar',
          name: t('turnaround.median'),
          data: rows.map((row) => ({
            value: secondsAsMinutes(row.medianSeconds) ?? '-',
            itemStyle: { color: CENTRE_COLOURS[row.key as keyof typeof CENTRE_COLOURS] },
          })),
          markLine: {
            symbol: 'none',
            lineStyle: { color: '#cf1322', type: 'dashed' },
            label: { formatter: `${t('critical.target')} ${target}`, position: 'insideEndTop' },
            data: [{ yAxis: target }],
          },
        },
        {
          type: 'bar',
          name: t('turnaround.p90'),
          itemStyle: { color: '#91caff' },
          data: rows.map((row) => secondsAsMinutes(row.p90Seconds) ?? '-'),
        },
      ],
    };
  }, [rows, target, t, i18n.language]);
  return (
    <EChart
      option={option}
      height={280}
      label={t('critical.title')}
      testId="chart-critical-centre"
    />
  );
}

function IndicatorTable({
  rows,
  nameTitle,
  target,
  testId,
}: {
  rows: IndicatorRow[];
  nameTitle: string;
  target: number;
  testId: string;
}) {
  const { t } = useTranslation('management');
  const minutes = (seconds: number | null, id: string) => {
    const value = secondsAsMinutes(seconds);
    return (
      <Typography.Text
        type={value !== null && value > target ? 'danger' : undefined}
        data-testid={id}
      >
        {minutesText(value)}
      </Typography.Text>
    );
  };
  const columns: ColumnsType<IndicatorRow> = [
    { title: nameTitle, dataIndex: 'name' },
    {
      title: t('critical.total'),
      key: 'total',
      align: 'right',
      render: (_, row) => <span data-testid="total">{row.total}</span>,
    },
    {
      title: t('critical.acknowledged'),
      key: 'acknowledged',
      align: 'right',
      render: (_, row) => <span data-testid="acknowledged">{row.acknowledged}</span>,
    },
    {
      title: t('critical.unacknowledged'),
      key: 'unacknowledged',
      align: 'right',
      render: (_, row) => (
        <Typography.Text
          type={row.unacknowledged ? 'danger' : undefined}
          data-testid="unacknowledged"
        >
          {row.unacknowledged}
        </Typography.Text>
      ),
    },
    {
      title: t('critical.late'),
      key: 'late',
      align: 'right',
      render: (_, row) => (
        <Typography.Text type={row.late ? 'danger' : undefined} data-testid="late">
          {row.late} ({rateText(row.late, row.total)})
        </Typography.Text>
      ),
    },
    {
      title: `${t('turnaround.median')} (${t('minutes')})`,
      key: 'median',
      align: 'right',
      render: (_, row) => minutes(row.medianSeconds, 'median'),
    },
    {
      title: `${t('turnaround.p90')} (${t('minutes')})`,
      key: 'p90',
      align: 'right',
      render: (_, row) => minutes(row.p90Seconds, 'p90'),
    },
  ];
  return (
    <Table<IndicatorRow>
      data-testid={testId}
      rowKey="key"
      size="small"
      bordered
      pagination={false}
      scroll={{ x: 'max-content' }}
      columns={columns}
      dataSource={rows}
    />
  );
}
