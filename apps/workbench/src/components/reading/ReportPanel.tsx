import {
  CheckCircleOutlined,
  CloudSyncOutlined,
  EditOutlined,
  LockOutlined,
  SafetyCertificateOutlined,
} from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Popconfirm, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../format';
import { type ReadingPermissions, readerName } from './reading-format';
import { type useReadingCommands } from './reading-api';
import { VersionHistory } from './VersionHistory';
import { type AutosaveState } from './useDraftAutosave';
import { type Centre, type ReadingView } from './types';

/**
 * The report column every reading screen shares: claim, the centre's fields (children), the
 * autosave state, sign (a trainee's signature or a malignant pathology diagnosis waits for a
 * second reader), co-sign, amend with a reason, the version history, and who signed what.
 */
export function ReportPanel({
  centre,
  view,
  permissions,
  commands,
  autosave,
  draftReady,
  incompleteHint,
  children,
  library,
  cosignReason,
}: {
  centre: Centre;
  view: ReadingView;
  permissions: ReadingPermissions;
  commands: ReturnType<typeof useReadingCommands>;
  autosave: {
    state: AutosaveState;
    flush: (force?: boolean) => Promise<void>;
    pendingChanges: boolean;
  };
  /** True when the fields make a complete draft (one that may be saved and signed). */
  draftReady: boolean;
  incompleteHint: string;
  children: ReactNode;
  library?: ReactNode;
  /** Why this report will need a second signature, when the reader can tell beforehand. */
  cosignReason?: string;
}) {
  const { t, i18n } = useTranslation(['reading', centre]);
  const [amending, setAmending] = useState(false);
  const [reason, setReason] = useState('');
  const name = (username?: string) => readerName(view.readers, username);
  const { run, pending } = commands;
  const p = permissions;
  const signable =
    p.mine &&
    draftReady &&
    ['unread', 'claimed', 'draft', 'amending', 'preliminary'].includes(view.status);
  const needsSecond = !p.licensed || Boolean(cosignReason);

  const sign = async () => {
    // An amendment starts as a copy of the signed text: the centre signs it once it is saved.
    await autosave.flush(view.status === 'amending');
    await run('sign');
  };

  return (
    <div className="reading-report" data-testid="report-panel">
      <div className="reading-report-scroll">
        {view.status === 'final' && (
          <Alert
            type="success"
            showIcon
            icon={<CheckCircleOutlined />}
            data-testid="report-signed"
            style={{ marginBottom: 8 }}
            title={t('report.signedBy', {
              name: name(view.signedBy),
              time: formatDateTime(view.signedAt, i18n.language),
              version: view.version,
            })}
            description={
              view.cosignedBy
                ? t('report.cosignedBy', {
                    name: name(view.cosignedBy),
                    time: formatDateTime(view.cosignedAt, i18n.language),
                  })
                : undefined
            }
          />
        )}
        {view.status === 'awaiting-cosign' && (
          <Alert
            type="info"
            showIcon
            data-testid="report-awaiting-cosign"
            style={{ marginBottom: 8 }}
            title={t('report.awaitingCosign', { name: name(view.signedBy) })}
          />
        )}
        {view.status === 'amending' && view.amendmentReason && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 8 }}
            title={t('report.amending', { reason: view.amendmentReason })}
          />
        )}
        {p.claimedByOther && (
          <Alert
            type="warning"
            showIcon
            icon={<LockOutlined />}
            style={{ marginBottom: 8 }}
            data-testid="claimed-by-other"
            title={t('report.claimedByOther', {
              name: name(view.claimedBy),
              time: formatDateTime(view.claimExpiresAt, i18n.language),
            })}
          />
        )}
        {p.canClaim && (
          <Alert
            type="info"
            style={{ marginBottom: 8 }}
            title={t('report.claimFirst')}
            action={
              <Button
                type="primary"
                size="small"
                loading={pending}
                data-testid="reading-claim"
                onClick={() => void run('claim').catch(() => undefined)}
              >
                {t('worklist.claim')}
              </Button>
            }
          />
        )}
        {view.status === 'awaiting-images' && (
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 8 }}
            title={t([`${centre}:status.awaiting-images`])}
          />
        )}
        {p.editable && library}
        {children}
      </div>
      <div className="reading-report-actions">
        {p.editable && (
          <div style={{ flexBasis: '100%' }}>
            <AutosaveText state={autosave.state} ready={draftReady} hint={incompleteHint} />
          </div>
        )}
        <span style={{ flex: 1 }} />
        <VersionHistory view={view} />
        {p.canRelease && (
          <Button
            size="small"
            data-testid="reading-release"
            onClick={() => void run('release').catch(() => undefined)}
          >
            {t('worklist.release')}
          </Button>
        )}
        {p.mine && (
          <Popconfirm
            title={needsSecond ? t('report.signForCosignConfirm') : t('report.signConfirm')}
            description={cosignReason}
            okText={t('report.sign')}
            cancelText={t('common:cancel')}
            onConfirm={() => void sign().catch(() => undefined)}
            disabled={!signable}
          >
            <Button
              type="primary"
              icon={<SafetyCertificateOutlined />}
              disabled={!signable}
              loading={pending}
              data-testid="reading-sign"
            >
              {needsSecond ? t('report.signForCosign') : t('report.sign')}
            </Button>
          </Popconfirm>
        )}
        {p.canCosign && (
          <Popconfirm
            title={t('report.cosignConfirm', { name: name(view.signedBy) })}
            okText={t('report.cosign')}
            cancelText={t('common:cancel')}
            onConfirm={() => void run('cosign').catch(() => undefined)}
          >
            <Button
              type="primary"
              icon={<SafetyCertificateOutlined />}
              loading={pending}
              data-testid="reading-cosign"
            >
              {t('report.cosign')}
            </Button>
          </Popconfirm>
        )}
        {p.canAmend && (
          <Button
            icon={<EditOutlined />}
            data-testid="reading-amend"
            onClick={() => setAmending(true)}
          >
            {t('report.amend')}
          </Button>
        )}
      </div>
      <Modal
        open={amending}
        title={t('report.amendTitle')}
        okText={t('report.amendStart')}
        cancelText={t('common:cancel')}
        okButtonProps={{ disabled: reason.trim().length < 2, 'data-testid': 'amend-confirm' }}
        confirmLoading={pending}
        onCancel={() => setAmending(false)}
        onOk={() =>
          void run('amend', { reason: reason.trim() }).then(
            () => {
              setAmending(false);
              setReason('');
            },
            () => undefined,
          )
        }
      >
        <Typography.Paragraph type="secondary">{t('report.amendHint')}</Typography.Paragraph>
        <Form layout="vertical">
          <Form.Item label={t('report.amendReason')} required>
            <Input.TextArea
              data-testid="amend-reason"
              rows={3}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

function AutosaveText({
  state,
  ready,
  hint,
}: {
  state: AutosaveState;
  ready: boolean;
  hint: string;
}) {
  const { t, i18n } = useTranslation('reading');
  let text: string;
  let type: 'secondary' | 'danger' | 'warning' | undefined = 'secondary';
  switch (state.kind) {
    case 'idle':
      text = ready ? t('autosave.idle') : hint;
      if (!ready) type = 'warning';
      break;
    case 'dirty':
      text = t('autosave.dirty');
      break;
    case 'saving':
      text = t('autosave.saving');
      break;
    case 'saved':
      text = t('autosave.saved', {
        time: new Date(state.at).toLocaleTimeString(i18n.language === 'en' ? 'en-GB' : 'zh-CN'),
      });
      break;
    case 'error':
      text = t('autosave.error', { message: state.message });
      type = 'danger';
      break;
  }
  if (state.kind !== 'error' && state.kind !== 'idle' && !ready) {
    text = hint;
    type = 'warning';
  }
  return (
    <Typography.Text
      type={type}
      style={{ fontSize: 12 }}
      data-testid="autosave-state"
      data-state={state.kind}
    >
      <CloudSyncOutlined /> {text}
    </Typography.Text>
  );
}
