import { CalendarOutlined } from '@ant-design/icons';
import { Button, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { type Period } from './figures-api';
import { monthText } from './format';
import { addMonths, monthOf, monthsBetween } from './period';

/** How far back the month lists reach (the API answers at most ten years at once). */
const YEARS_BACK = 6;

/**
 * The months the figures cover: a first and a last month (whole months, Beijing time) and the
 * usual spans in one click. A first month after the last is swapped rather than refused.
 */
export function PeriodPicker({
  value,
  onChange,
}: {
  value: Period;
  onChange: (period: Period) => void;
}) {
  const { t, i18n } = useTranslation('management');
  const current = monthOf(new Date());
  const year = current.slice(0, 4);
  const months = monthsBetween(addMonths(current, -12 * YEARS_BACK + 1), current).reverse();
  // A period asked for by address may lie outside the list: keep it choosable.
  for (const month of [value.from, value.to]) if (!months.includes(month)) months.push(month);
  const options = months
    .sort((a, b) => b.localeCompare(a))
    .map((month) => ({ value: month, label: monthText(month, i18n.language) }));
  const set = (from: string, to: string) =>
    onChange(from <= to ? { from, to } : { from: to, to: from });
  const presets: Array<[string, Period]> = [
    ['last3', { from: addMonths(current, -2), to: current }],
    ['last6', { from: addMonths(current, -5), to: current }],
    ['last12', { from: addMonths(current, -11), to: current }],
    ['thisYear', { from: `${year}-01`, to: current }],
    ['lastYear', { from: `${Number(year) - 1}-01`, to: `${Number(year) - 1}-12` }],
  ];
  return (
    <Space wrap size={8}>
      <Typography.Text>
        <CalendarOutlined /> {t('period.label')}
      </Typography.Text>
      <Select
        aria-label={t('period.from')}
        data-testid="period-from"
        showSearch
        style={{ width: 130 }}
        value={value.from}
        options={options}
        onChange={(from: string) => set(from, value.to)}
      />
      <Typography.Text type="secondary">{t('period.between')}</Typography.Text>
      <Select
        aria-label={t('period.to')}
        data-testid="period-to"
        showSearch
        style={{ width: 130 }}
        value={value.to}
        options={options}
        onChange={(to: string) => set(value.from, to)}
      />
      <Space.Compact>
        {presets.map(([key, period]) => (
          <Button
            key={key}
            data-testid={`period-${key}`}
            type={period.from === value.from && period.to === value.to ? 'primary' : 'default'}
            onClick={() => onChange(period)}
          >
            {t(`period.${key}`)}
          </Button>
        ))}
      </Space.Compact>
    </Space>
  );
}
