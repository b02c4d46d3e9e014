import { Table, Typography } from 'antd';
import { type ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { EChart } from '../charts/EChart';
import {
  type RecognitionItemRow,
  type RecognitionMonth,
  recognitionByMemberItem,
  recognitionByMonth,
} from './aggregate';
import { FigurePanel } from './FigurePanel';
import { monthText, yuanText } from './format';
import { type RecognitionFigure } from './types';

/**
 * 结果互认: per month the examinations a recognized prior result made unnecessary and the money
 * that saved (catalogue prices), and the same per member unit and item over the period.
 */
export function RecognitionSection({
  rows,
  months,
  memberName,
  itemName,
}: {
  rows: RecognitionFigure[];
  months: string[];
  memberName: (code: string) => string;
  itemName: (system: string, code: string) => string;
}) {
  const { t, i18n } = useTranslation('management');
  const perMonth = useMemo(() => recognitionByMonth(rows, months), [rows, months]);
  const perItem = useMemo(() => recognitionByMemberItem(rows), [rows]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: months.map((month) => monthText(month, i18n.language)) },
      yAxis: [
        {
          type: 'value',
          name: t('recognition.duplicates'),
          minInterval: 1,
          nameTextStyle: { align: 'left' },
        },
        {
          type: 'value',
          name: t('recognition.money'),
          splitLine: { show: false },
          nameTextStyle: { align: 'right' },
        },
      ],
      series: [
        {
          type: 'bar',
          name: t('recognition.duplicates'),
          itemStyle: { color: '#389e0d' },
          data: perMonth.map((month) => month.duplicatesAvoided),
        },
        {
          type: 'line',
          name: t('recognition.money'),
          yAxisIndex: 1,
          itemStyle: { color: '#d48806' },
          data: perMonth.map((month) => month.moneySaved),
        },
      ],
    }),
    [perMonth, months, t, i18n.language],
  );

  const monthColumns: ColumnsType<RecognitionMonth> = [
    { title: t('month'), key: 'month', render: (_, row) => monthText(row.month, i18n.language) },
    {
      title: t('recognition.duplicates'),
      key: 'duplicates',
      align: 'right',
      render: (_, row) => <span data-testid="duplicates">{row.duplicatesAvoided}</span>,
    },
    {
      title: t('recognition.money'),
      key: 'money',
      align: 'right',
      render: (_, row) => (
        <span data-testid="money">{yuanText(row.moneySaved, i18n.language)}</span>
      ),
    },
    {
      title: t('recognition.overrides'),
      key: 'overrides',
      align: 'right',
      render: (_, row) => <span data-testid="overrides">{row.overrides}</span>,
    },
    {
      title: t('recognition.undecided'),
      key: 'undecided',
      align: 'right',
      render: (_, row) => <span data-testid="undecided">{row.undecided}</span>,
    },
  ];
  const itemColumns: ColumnsType<RecognitionItemRow> = [
    { title: t('recognition.member'), key: 'member', render: (_, row) => memberName(row.member) },
    {
      title: t('recognition.item'),
      key: 'item',
      render: (_, row) => (
        <span>
          {itemName(row.system, row.code)}{' '}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`centre.${row.centre}`, { defaultValue: row.centre })}
          </Typography.Text>
        </span>
      ),
    },
    {
      title: t('recognition.duplicates'),
      key: 'duplicates',
      align: 'right',
      render: (_, row) => <span data-testid="duplicates">{row.duplicatesAvoided}</span>,
    },
    {
      title: t('recognition.money'),
      key: 'money',
      align: 'right',
      render: (_, row) => (
        <span data-testid="money">{yuanText(row.moneySaved, i18n.language)}</span>
      ),
    },
    {
      title: t('recognition.overrides'),
      key: 'overrides',
      align: 'right',
      render: (_, row) => row.overrides,
    },
  ];
  return (
    <FigurePanel
      testId="recognition"
      title={t('recognition.byMonth')}
      note={t('recognition.note')}
      empty={rows.length === 0 ? t('recognition.empty') : undefined}
      chart={
        <EChart
          option={option}
          height={340}
          label={t('recognition.byMonth')}
          testId="chart-recognition"
        />
      }
      table={
        <>
          <Table<RecognitionMonth>
            data-testid="table-recognition-month"
            rowKey="month"
            size="small"
            bordered
            pagination={false}
            scroll={{ x: 'max-content' }}
            columns={monthColumns}
            dataSource={perMonth}
          />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('recognition.byItem')}
          </Typography.Title>
          <Table<RecognitionItemRow>
            data-testid="table-recognition-item"
            rowKey="key"
            size="small"
            bordered
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
            scroll={{ x: 'max-content' }}
            columns={itemColumns}
            dataSource={perItem}
          />
        </>
      }
    />
  );
}
