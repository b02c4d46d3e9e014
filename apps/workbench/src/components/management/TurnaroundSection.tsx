import { Table, Tag, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { EChart } from '../charts/EChart';
import { FigurePanel } from './FigurePanel';
import { minutesText, monthText, percentText } from './format';
import { CENTRES, type Centre, type TurnaroundFigure, type TurnaroundMonthFigure } from './types';

/** One colour per centre, the same in every chart. */
export const CENTRE_COLOURS: Record<Centre, string> = {
  lab: '#1668dc',
  imaging: '#722ed1',
  ecg: '#13a8a8',
  pathology: '#d46b08',
};

/**
 * A value axis for minutes: logarithmic when the values span more than two orders of magnitude
 * (an ECG read in half an hour beside a histology report in days), so both stay readable.
 */
function minutesAxis(values: Array<number | null>, name: string) {
  const positive = values.filter((v): v is number => v !== null && v > 0);
  const spread =
    positive.length > 0 && positive.length === values.filter((v) => v !== null).length
      ? Math.max(...positive) / Math.min(...positive)
      : 1;
  return spread > 100 ? { type: 'log', name, logBase: 10 } : { type: 'value', name };
}

/**
 * 报告周期: per centre and priority, the median and P90 minutes from acceptance to the first
 * released report beside the catalogue's target (drawn as a mark, none when the group mixes
 * targets); and the median and P90 per centre for each month.
 */
export function TurnaroundSection({
  turnaround,
  byMonth,
  months,
}: {
  turnaround: TurnaroundFigure[];
  byMonth: TurnaroundMonthFigure[];
  months: string[];
}) {
  const { t } = useTranslation('management');
  const empty = turnaround.length === 0 ? t('turnaround.empty') : undefined;
  return (
    <>
      <FigurePanel
        testId="turnaround-by-centre"
        title={t('turnaround.byCentre')}
        note={t('turnaround.note')}
        empty={empty}
        chart={<TargetChart rows={turnaround} />}
        table={<TargetTable rows={turnaround} />}
      />
      <FigurePanel
        testId="turnaround-by-month"
        title={t('turnaround.byMonth')}
        empty={empty}
        chart={<MonthChart rows={byMonth} months={months} />}
        table={<MonthTable rows={byMonth} />}
      />
    </>
  );
}

function TargetChart({ rows }: { rows: TurnaroundFigure[] }) {
  const { t, i18n } = useTranslation('management');
  const option = useMemo(() => {
    const unit = t('minutes');
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: (value: unknown) => (typeof value === 'number' ? `${value} ${unit}` : '—'),
      },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        axisLabel: { interval: 0, lineHeight: 16 },
        data: rows.map((row) => `${t(`centre.${row.centre}`)}\n${t(`priority.${row.priority}`)}`),
      },
      yAxis: minutesAxis(
        rows.flatMap((row) => [row.medianMinutes, row.p90Minutes, row.targetMinutes]),
        unit,
      ),
      series: [
        {
          type: 'bar',
          name: t('turnaround.median'),
          itemStyle: { color: '#1668dc' },
          data: rows.map((row) => row.medianMinutes),
        },
        {
          type: 'bar',
          name: t('turnaround.p90'),
          itemStyle: { color: '#91caff' },
          data: rows.map((row) => row.p90Minutes),
        },
        {
          // The target as a short red bar across its group; a group without one gets no mark.
          type: 'line',
          name: t('turnaround.target'),
          symbol: 'rect',
          symbolSize: [46, 3],
          lineStyle: { opacity: 0 },
          itemStyle: { color: '#cf1322' },
          z: 5,
          data: rows.map((row) => row.targetMinutes ?? '-'),
        },
      ],
    };
  }, [rows, t, i18n.language]);
  return (
    <EChart
      option={option}
      height={340}
      label={t('turnaround.byCentre')}
      testId="chart-turnaround-centre"
    />
  );
}

function TargetTable({ rows }: { rows: TurnaroundFigure[] }) {
  const { t } = useTranslation('management');
  const columns: ColumnsType<TurnaroundFigure> = [
    {
      title: t('turnaround.centre'),
      key: 'centre',
      render: (_, row) => t(`centre.${row.centre}`),
    },
    {
      title: t('turnaround.priority'),
      key: 'priority',
      render: (_, row) => t(`priority.${row.priority}`),
    },
    {
      title: t('turnaround.orders'),
      key: 'orders',
      align: 'right',
      render: (_, row) => <span data-testid="orders">{row.orders}</span>,
    },
    {
      title: `${t('turnaround.median')} (${t('minutes')})`,
      key: 'median',
      align: 'right',
      render: (_, row) => (
        <Over minutes={row.medianMinutes} target={row.targetMinutes} testId="median" />
      ),
    },
    {
      title: `${t('turnaround.p90')} (${t('minutes')})`,
      key: 'p90',
      align: 'right',
      render: (_, row) => <Over minutes={row.p90Minutes} target={row.targetMinutes} testId="p90" />,
    },
    {
      title: `${t('turnaround.target')} (${t('minutes')})`,
      key: 'target',
      align: 'right',
      render: (_, row) =>
        row.targetMinutes === null ? (
          <Tag data-testid="target">{t('turnaround.mixedTarget')}</Tag>
        ) : (
          <span data-testid="target">{row.targetMinutes}</span>
        ),
    },
    {
      title: t('turnaround.withinTarget'),
      key: 'within',
      align: 'right',
      render: (_, row) => <span data-testid="within">{percentText(row.withinTarget)}</span>,
    },
  ];
  return (
    <Table<TurnaroundFigure>
      data-testid="table-turnaround-centre"
      rowKey={(row) => `${row.centre}-${row.priority}`}
      size="small"
      bordered
      pagination={false}
      scroll={{ x: 'max-content' }}
      columns={columns}
      dataSource={rows}
    />
  );
}

/** Minutes, in red when beyond the target. */
function Over({
  minutes,
  target,
  testId,
}: {
  minutes: number;
  target: number | null;
  testId: string;
}) {
  const late = target !== null && minutes > target;
  return (
    <Typography.Text
      type={late ? 'danger' : undefined}
      strong={late}
      data-testid={testId}
      style={{ fontVariantNumeric: 'tabular-nums' }}
    >
      {minutesText(minutes)}
    </Typography.Text>
  );
}

function MonthChart({ rows, months }: { rows: TurnaroundMonthFigure[]; months: string[] }) {
  const { t, i18n } = useTranslation('management');
  const option = useMemo(() => {
    const unit = t('minutes');
    const centres = CENTRES.filter((centre) => rows.some((row) => row.centre === centre));
    const value = (month: string, centre: Centre, key: 'medianMinutes' | 'p90Minutes') =>
      rows.find((row) => row.month === month && row.centre === centre)?.[key] ?? '-';
    return {
      tooltip: {
        trigger: 'axis',
        valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v} ${unit}` : '—'),
      },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: months.map((month) => monthText(month, i18n.language)) },
      yAxis: minutesAxis(
        rows.flatMap((row) => [row.medianMinutes, row.p90Minutes]),
        unit,
      ),
      series: centres.flatMap((centre) => {
        const name = t(`centre.${centre}`);
        const colour = CENTRE_COLOURS[centre];
        return [
          {
            type: 'line',
            name: t('turnaround.medianOf', { centre: name }),
            itemStyle: { color: colour },
            connectNulls: false,
            data: months.map((month) => value(month, centre, 'medianMinutes')),
          },
          {
            type: 'line',
            name: t('turnaround.p90Of', { centre: name }),
            itemStyle: { color: colour },
            lineStyle: { type: 'dashed' },
            symbol: 'triangle',
            connectNulls: false,
            data: months.map((month) => value(month, centre, 'p90Minutes')),
          },
        ];
      }),
    };
  }, [rows, months, t, i18n.language]);
  return (
    <EChart
      option={option}
      height={340}
      label={t('turnaround.byMonth')}
      testId="chart-turnaround-month"
    />
  );
}

function MonthTable({ rows }: { rows: TurnaroundMonthFigure[] }) {
  const { t, i18n } = useTranslation('management');
  const columns: ColumnsType<TurnaroundMonthFigure> = [
    {
      title: t('month'),
      key: 'month',
      render: (_, row) => monthText(row.month, i18n.language),
    },
    {
      title: t('turnaround.centre'),
      key: 'centre',
      render: (_, row) => t(`centre.${row.centre}`),
    },
    {
      title: t('turnaround.orders'),
      key: 'orders',
      align: 'right',
      render: (_, row) => <span data-testid="orders">{row.orders}</span>,
    },
    {
      title: `${t('turnaround.median')} (${t('minutes')})`,
      key: 'median',
      align: 'right',
      render: (_, row) => <span data-testid="median">{minutesText(row.medianMinutes)}</span>,
    },
    {
      title: `${t('turnaround.p90')} (${t('minutes')})`,
      key: 'p90',
      align: 'right',
      render: (_, row) => <span data-testid="p90">{minutesText(row.p90Minutes)}</span>,
    },
  ];
  return (
    <Table<TurnaroundMonthFigure>
      data-testid="table-turnaround-month"
      rowKey={(row) => `${row.month}-${row.centre}`}
      size="small"
      bordered
      pagination={false}
      scroll={{ x: 'max-content' }}
      columns={columns}
      dataSource={rows}
    />
  );
}
