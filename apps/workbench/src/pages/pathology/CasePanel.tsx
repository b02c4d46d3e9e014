import {
  ExperimentOutlined,
  FileTextOutlined,
  InboxOutlined,
  PartitionOutlined,
} from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Collapse, Input, Popconfirm, Spin, Tag, Timeline, Tree } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { formatDateTime } from '../../components/format';
import { type useReadingCommands } from '../../components/reading/reading-api';

interface Slide {
  barcode: string;
  stain: string;
  createdBy: string;
  createdAt: string;
}
interface Block {
  barcode: string;
  description?: string;
  createdBy: string;
  createdAt: string;
  slides: Slide[];
}
interface Specimen {
  label: string;
  site: string;
  fixative: string;
  status: 'collected' | 'in-transit' | 'received' | 'rejected';
  collectedAt: string;
  receivedAt?: string;
  rejectionReason?: string;
  fixationHoursAtReceipt?: number;
  minutesToReceipt?: number;
  acceptedDespite?: string;
  blocks: Block[];
}
/** A case and its chain, as `GET /api/pathology/cases/{orderId}` answers it. */
export interface PathologyCase {
  orderId: string;
  caseNumber: string;
  code: string;
  priority: string;
  frozen: boolean;
  specimens: Specimen[];
  gross?: { description: string; by: string; at: string };
  events: Array<{ at: string; by: string; what: string; barcode?: string }>;
}

export function useCase(orderId: string) {
  return useQuery({
    queryKey: ['pathology', 'case', orderId],
    queryFn: ({ signal }) => api<PathologyCase>(`/api/pathology/cases/${orderId}`, { signal }),
    refetchInterval: 60_000,
  });
}

const SPECIMEN_COLOURS: Record<Specimen['status'], string | undefined> = {
  collected: undefined,
  'in-transit': 'blue',
  received: 'green',
  rejected: 'red',
};

/**
 * The case (病理号) as the pathologist reads it: specimens → blocks → slides with their barcodes
 * and stains, the gross description, every step with who and when, and — for a frozen section —
 * the intraoperative result called back to the theatre.
 */
export function CasePanel({
  orderId,
  frozenAllowed,
  commands,
}: {
  orderId: string;
  /** The reader may call back a frozen section's result now. */
  frozenAllowed: boolean;
  commands: ReturnType<typeof useReadingCommands>;
}) {
  const { t, i18n } = useTranslation('pathology');
  const found = useCase(orderId);
  const [frozen, setFrozen] = useState('');
  if (found.isLoading) return <Spin />;
  if (found.error || !found.data)
    return (
      <Alert type="error" showIcon title={t('case.failed')} description={found.error?.message} />
    );
  const pathologyCase = found.data;
  const when = (at?: string) => formatDateTime(at, i18n.language);

  return (
    <Card
      size="small"
      data-testid="case-panel"
      style={{ flex: 1, overflow: 'auto' }}
      title={
        <span>
          <PartitionOutlined /> {t('case.title')}{' '}
          <span className="reading-mono" data-testid="case-number">
            {pathologyCase.caseNumber}
          </span>
          {pathologyCase.frozen && (
            <Tag color="volcano" style={{ marginLeft: 8 }}>
              {t('case.frozen')}
            </Tag>
          )}
        </span>
      }
    >
      {pathologyCase.frozen && frozenAllowed && (
        <Alert
          type="warning"
          style={{ marginBottom: 8 }}
          title={t('frozen.title')}
          description={
            <div style={{ display: 'flex', gap: 8 }}>
              <Input
                data-testid="frozen-text"
                value={frozen}
                placeholder={t('frozen.placeholder')}
                onChange={(e) => setFrozen(e.target.value)}
              />
              <Popconfirm
                title={t('frozen.confirm')}
                onConfirm={() =>
                  void commands.run('frozen', { text: frozen.trim() }).then(
                    () => setFrozen(''),
                    () => undefined,
                  )
                }
                disabled={frozen.trim().length < 2}
              >
                <Button
                  type="primary"
                  danger
                  disabled={frozen.trim().length < 2}
                  data-testid="frozen-send"
                >
                  {t('frozen.send')}
                </Button>
              </Popconfirm>
            </div>
          }
        />
      )}
      <Tree
        data-testid="case-chain"
        defaultExpandAll
        selectable={false}
        showIcon
        treeData={pathologyCase.specimens.map((specimen) => ({
          key: specimen.label,
          icon: <InboxOutlined />,
          title: (
            <span data-testid={`case-specimen-${specimen.label}`}>
              <span className="reading-mono">{specimen.label}</span> · {specimen.site} ·{' '}
              <span className="reading-muted">{specimen.fixative}</span>{' '}
              <Tag color={SPECIMEN_COLOURS[specimen.status]}>
                {t(`case.specimenStatus.${specimen.status}`)}
              </Tag>
              {specimen.fixationHoursAtReceipt !== undefined && (
                <span className="reading-muted">
                  {t('case.fixation', { hours: specimen.fixationHoursAtReceipt.toFixed(1) })}
                </span>
              )}
              {specimen.rejectionReason && (
                <span className="reading-overdue"> {specimen.rejectionReason}</span>
              )}
              {specimen.acceptedDespite && (
                <span className="reading-soon">
                  {' '}
                  {t('case.acceptedDespite', { why: specimen.acceptedDespite })}
                </span>
              )}
            </span>
          ),
          children: specimen.blocks.map((block) => ({
            key: block.barcode,
            icon: <ExperimentOutlined />,
            title: (
              <span data-testid={`case-block-${block.barcode}`}>
                {t('case.block')} <span className="reading-mono">{block.barcode}</span>
                {block.description ? ` · ${block.description}` : ''}
                <span className="reading-muted">
                  {' '}
                  · {t('case.slides', { count: block.slides.length })}
                </span>
              </span>
            ),
            children: block.slides.map((slide) => ({
              key: slide.barcode,
              icon: <FileTextOutlined />,
              isLeaf: true,
              title: (
                <span data-testid={`case-slide-${slide.barcode}`}>
                  {t('case.slide')} <span className="reading-mono">{slide.barcode}</span>{' '}
                  <Tag color={slide.stain === 'HE' ? 'magenta' : 'purple'}>{slide.stain}</Tag>
                  <span className="reading-muted">{when(slide.createdAt)}</span>
                </span>
              ),
            })),
          })),
        }))}
      />
      {pathologyCase.specimens.length === 0 && (
        <Alert type="info" showIcon title={t('case.noSpecimens')} />
      )}
      <div className="reading-field-label">{t('case.gross')}</div>
      <div style={{ whiteSpace: 'pre-wrap' }} data-testid="case-gross">
        {pathologyCase.gross ? (
          <>
            {pathologyCase.gross.description}
            <div className="reading-muted">
              {pathologyCase.gross.by} · {when(pathologyCase.gross.at)}
            </div>
          </>
        ) : (
          <span className="reading-muted">{t('case.notGrossed')}</span>
        )}
      </div>
      <Collapse
        size="small"
        ghost
        style={{ marginTop: 8 }}
        items={[
          {
            key: 'events',
            label: t('case.events', { count: pathologyCase.events.length }),
            children: (
              <Timeline
                items={[...pathologyCase.events].reverse().map((event) => ({
                  content: (
                    <span>
                      <span className="reading-muted">{when(event.at)}</span> {event.what}
                      {event.barcode ? ` · ${event.barcode}` : ''} · {event.by}
                    </span>
                  ),
                }))}
              />
            ),
          },
        ]}
      />
    </Card>
  );
}
