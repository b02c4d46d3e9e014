import { type UseQueryResult } from '@tanstack/react-query';
import { Button, Result, Spin } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api';
import { type Centre } from './types';

/** A reading screen while its reading loads, when it cannot be found, or once it is there. */
export function ReadingQueryState<View>({
  centre,
  query,
  children,
}: {
  centre: Centre;
  query: UseQueryResult<View>;
  children: (view: View) => ReactNode;
}) {
  const { t } = useTranslation(['reading', centre]);
  const navigate = useNavigate();
  if (query.data) return <>{children(query.data)}</>;
  if (query.isLoading) return <Spin tip={t('common:loading')} fullscreen />;
  const notFound = query.error instanceof ApiError && query.error.status === 404;
  return (
    <Result
      status={notFound ? '404' : 'error'}
      title={notFound ? t('reading.notFound') : t('common:error.title')}
      subTitle={query.error?.message}
      extra={
        <Button type="primary" onClick={() => void navigate(`/${centre}`)}>
          {t(`${centre}:nav.worklist`)}
        </Button>
      }
    />
  );
}
