import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Row, Space, Spin, Statistic, Typography } from 'antd';
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { sumYuan } from '../../components/management/aggregate';
import { CriticalValueSection } from '../../components/management/CriticalValueSection';
import {
  type Period,
  useCriticalIndicators,
  useItemNames,
  useManagementFigures,
  useOrganizationNames,
  useRecognitionFigures,
} from '../../components/management/figures-api';
import { yuanText } from '../../components/management/format';
import { PeriodPicker } from '../../components/management/PeriodPicker';
import { monthsBetween, periodOf } from '../../components/management/period';
import { RecognitionSection } from '../../components/management/RecognitionSection';
import { TurnaroundSection } from '../../components/management/TurnaroundSection';
import { VolumeSection } from '../../components/management/VolumeSection';

/**
 * 管理指标: the figures a consortium is assessed on, for a period of whole months (in the
 * address, so a view can be shared): order volume per member unit and centre, turnaround against
 * the catalogue's targets, the critical-value closed loop, and the duplicates mutual recognition
 * avoided with the money saved. Each chart has its table of exact numbers beside it.
 */
export function ManagementPage() {
  const { t, i18n } = useTranslation('management');
  const { t: tc } = useTranslation();
  const [params, setParams] = useSearchParams();
  const period = periodOf(params.get('from'), params.get('to'));
  const months = useMemo(() => monthsBetween(period.from, period.to), [period.from, period.to]);
  const figures = useManagementFigures(period);
  const critical = useCriticalIndicators(period);
  const recognition = useRecognitionFigures(period);
  const memberName = useOrganizationNames();
  const itemName = useItemNames();
  const setPeriod = (next: Period) =>
    setParams({ from: next.from, to: next.to }, { replace: true });
  const fetching = figures.isFetching || critical.isFetching || recognition.isFetching;

  const volume = figures.data?.volume;
  const orders = volume?.reduce((sum, row) => sum + row.orders, 0);
  const reused = volume?.reduce((sum, row) => sum + row.reused, 0);
  const duplicates = recognition.data?.reduce((sum, row) => sum + row.duplicatesAvoided, 0);
  const saved = recognition.data && sumYuan(recognition.data.map((row) => row.moneySaved));

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card
        title={
          <Space orientation="vertical" size={0}>
            <span>{t('title')}</span>
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
              {t('subtitle')}
            </Typography.Text>
          </Space>
        }
        extra={
          <Button
            icon={<ReloadOutlined />}
            loading={fetching}
            onClick={() => {
              void figures.refetch();
              void critical.refetch();
              void recognition.refetch();
            }}
          >
            {tc('refresh')}
          </Button>
        }
      >
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <PeriodPicker value={period} onChange={setPeriod} />
          <Row gutter={[16, 16]} data-testid="summary">
            <Summary
              title={t('summary.orders')}
              value={orders}
              testId="summary-orders"
              extra={reused !== undefined && `${t('summary.reused')} ${reused}`}
            />
            <Summary
              title={t('summary.duplicates')}
              value={duplicates}
              testId="summary-duplicates"
            />
            <Summary
              title={t('summary.money')}
              value={saved === undefined ? undefined : yuanText(saved, i18n.language)}
              testId="summary-money"
            />
            <Summary
              title={t('summary.critical')}
              value={critical.data?.overall.total}
              testId="summary-critical"
              extra={
                critical.data &&
                critical.data.overall.unacknowledged > 0 && (
                  <Typography.Text type="danger">
                    {t('summary.criticalOpen', { count: critical.data.overall.unacknowledged })}
                  </Typography.Text>
                )
              }
            />
          </Row>
        </Space>
      </Card>

      <Section title={t('volume.title')} error={figures.error} loading={!figures.data}>
        {figures.data && (
          <VolumeSection volume={figures.data.volume} months={months} memberName={memberName} />
        )}
      </Section>
      <Section title={t('turnaround.title')} error={figures.error} loading={!figures.data}>
        {figures.data && (
          <TurnaroundSection
            turnaround={figures.data.turnaround}
            byMonth={figures.data.turnaroundByMonth}
            months={months}
          />
        )}
      </Section>
      <Section title={t('critical.title')} error={critical.error} loading={!critical.data}>
        {critical.data && (
          <CriticalValueSection indicators={critical.data} memberName={memberName} />
        )}
      </Section>
      <Section title={t('recognition.title')} error={recognition.error} loading={!recognition.data}>
        {recognition.data && (
          <RecognitionSection
            rows={recognition.data}
            months={months}
            memberName={memberName}
            itemName={itemName}
          />
        )}
      </Section>
    </Space>
  );
}

function Summary({
  title,
  value,
  extra,
  testId,
}: {
  title: string;
  value: number | string | undefined;
  extra?: ReactNode;
  testId: string;
}) {
  return (
    <Col xs={12} lg={6}>
      <Card size="small" style={{ height: '100%' }}>
        <Statistic
          title={title}
          value={value ?? '—'}
          loading={value === undefined}
          valueRender={(node) => <span data-testid={testId}>{node}</span>}
        />
        {extra && <div style={{ fontSize: 12, color: 'rgba(0,0,0,0.45)' }}>{extra}</div>}
      </Card>
    </Col>
  );
}

function Section({
  title,
  error,
  loading,
  children,
}: {
  title: string;
  error: Error | null;
  loading: boolean;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <section>
      <Typography.Title level={4} style={{ margin: '4px 0 12px' }}>
        {title}
      </Typography.Title>
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          title={t('error.title')}
          description={error.message}
        />
      )}
      {loading && !error ? (
        <Spin />
      ) : (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          {children}
        </Space>
      )}
    </section>
  );
}
